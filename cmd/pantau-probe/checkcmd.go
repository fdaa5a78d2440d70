package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/pantau-id/pantau/probe"
)

// checkCommand runs one round of every target and prints a table; the exit
// code is non-zero when any check failed.
func checkCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, code, ok := parseFlags("check", "Checks every target once, now, and prints the results as a table, for the\n"+
		"person installing the probe. Nothing is spooled or sent; server and token\n"+
		"may be missing. Exits 1 if any check failed.", args, stdout, stderr, getenv, false)
	if !ok {
		return code
	}
	c := probe.NewChecker(cfg.Timeout.D(), nil)
	results := make([]probe.Result, len(cfg.Targets))
	var wg sync.WaitGroup
	for i, t := range cfg.Targets {
		wg.Go(func() { results[i] = c.Run(ctx, t) })
	}
	wg.Wait()
	writeTable(stdout, cfg.Targets, results)
	for _, r := range results {
		if !r.OK {
			return exitFailed
		}
	}
	return exitOK
}

// writeTable prints results aligned in columns.
func writeTable(w io.Writer, targets []probe.Target, results []probe.Result) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "TARGET\tKIND\tCHECK\tRESULT\tLATENCY\tCERT DAYS\tDETAIL")
	failed := 0
	for i, r := range results {
		t := targets[i]
		result := "ok"
		if !r.OK {
			result = "FAIL " + string(r.Failure)
			failed++
		}
		days := "-"
		if r.CertDaysLeft != nil {
			days = fmt.Sprint(*r.CertDaysLeft)
		}
		detail := strings.ReplaceAll(r.Detail, "\t", " ")
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f ms\t%s\t%s\n", t.Name, t.Kind, t.Check, result, r.LatencyMS, days, detail)
	}
	_ = tw.Flush()
	_, _ = fmt.Fprintf(w, "\n%d of %d targets ok\n", len(results)-failed, len(results))
}
