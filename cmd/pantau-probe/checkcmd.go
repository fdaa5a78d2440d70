package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/agent"
)

// checkCommand asks the server for this probe's configuration (when it
// knows the server and token), runs one round of every target and prints a
// table; the exit code is non-zero when the server or any check failed.
func checkCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, code, ok := parseFlags("check", "For the person installing the probe: asks the server for this probe's\n"+
		"configuration (which tests the link to the server, the token and the clock),\n"+
		"then checks every target once, now, and prints the results as a table.\n"+
		"Nothing is spooled or sent. With targets from the server and the server out\n"+
		"of reach it checks the cached targets. Exits 1 if the server or any check\n"+
		"failed. Run it as "+elevationName()+": the credential is the service's.", args, stdout, stderr, getenv, false)
	if !ok {
		return code
	}
	failed := false
	targets := cfg.Targets
	serverTargets, serverOK := checkServer(ctx, cfg, stdout)
	failed = !serverOK
	if cfg.source() == sourceServer {
		targets = serverTargets
		if !serverOK {
			targets = cachedTargets(cfg, stdout)
		}
		if len(targets) == 0 {
			_, _ = fmt.Fprintln(stdout, "targets: none to check (the server has none for this office yet, or it could not be asked)")
			return exitFailed
		}
	}
	c := probe.NewChecker(cfg.Timeout.D(), nil)
	results := make([]probe.Result, len(targets))
	var wg sync.WaitGroup
	for i, t := range targets {
		wg.Go(func() { results[i] = c.Run(ctx, t) })
	}
	wg.Wait()
	writeTable(stdout, targets, results)
	for _, r := range results {
		failed = failed || !r.OK
	}
	if failed {
		return exitFailed
	}
	return exitOK
}

// checkServer fetches the configuration and prints what it shows: server
// reachable, token accepted, clock offset. It returns the server's targets
// and whether all of that went well (true when there is no server to ask
// and the targets are local).
func checkServer(ctx context.Context, cfg Config, w io.Writer) ([]probe.Target, bool) {
	token, err := cfg.token()
	switch {
	case cfg.source() == sourceLocal && cfg.Server == "":
		_, _ = fmt.Fprintln(w, "server: none configured (local targets only)")
		return nil, true
	case cfg.Server == "" || (token == "" && err == nil):
		why := "not enrolled (no server or token)"
		if cfg.credErr != nil {
			why = cfg.credErr.Error()
		}
		_, _ = fmt.Fprintf(w, "server: not asked: %s\n", why)
		return nil, cfg.source() == sourceLocal
	case err != nil:
		_, _ = fmt.Fprintf(w, "server: not asked: %v\n", err)
		return nil, false
	}
	s, offset, err := agent.FetchSettings(ctx, agent.Config{Server: cfg.Server, Token: token, Version: version})
	if err != nil {
		_, _ = fmt.Fprintf(w, "server: %s: FAIL %v\n", cfg.Server, err)
		if strings.Contains(err.Error(), "401") {
			_, _ = fmt.Fprintln(w, "        the token was refused (revoked?): ask for a new code and run pantau-probe enrol --force")
		}
		return nil, false
	}
	_, _ = fmt.Fprintf(w, "server: %s: ok, token accepted, office %s, %d targets every %s\n",
		cfg.Server, s.Office, len(s.Targets), s.Interval.D())
	if cfg.source() == sourceLocal {
		_, _ = fmt.Fprintln(w, "        targets_source is local: the targets of the config file are used, not these")
	}
	clockOK := offset.Abs() <= time.Minute
	verdict := "ok"
	if !clockOK {
		verdict = "FAIL set this computer's clock (NTP): results carry its time"
	}
	_, _ = fmt.Fprintf(w, "clock:  %s from the server's: %s\n", offset.Round(time.Second), verdict)
	return s.Targets, clockOK
}

// cachedTargets returns the targets of the configuration cache, saying so.
func cachedTargets(cfg Config, w io.Writer) []probe.Target {
	s, fetched, ok, err := agent.CachedSettings(cfg.configCache(), cfg.Server)
	switch {
	case err != nil:
		_, _ = fmt.Fprintf(w, "cache:  %v\n", err)
	case !ok:
		_, _ = fmt.Fprintf(w, "cache:  no cached configuration at %s\n", cfg.configCache())
	default:
		_, _ = fmt.Fprintf(w, "cache:  checking the %d cached targets fetched %s\n", len(s.Targets), fetched.Format(time.RFC3339))
	}
	return s.Targets
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
