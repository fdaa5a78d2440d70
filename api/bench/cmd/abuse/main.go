// Command abuse is `make abuse` (issue 13): it starts `pantau serve` (the
// binary given with -bin) on a scratch database behind a loopback "proxy"
// it trusts, seeds a user and an API token per role, and attacks it as a
// hostile but realistic user would: open redirects after login, every route
// as every role at offices in and out of scope, a NUL or invalid byte in
// every place a caller controls, an intake flood, made-up methods, and 100
// concurrent logins while the server's RSS is sampled. The last line is
//
//	abuse: requests=<n> status_5xx=<n> leaks=<n> login_peak_rss_mb=<n>
//
// where login_peak_rss_mb is the peak during the logins above the idle RSS.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/pantau-id/pantau/api/bench"
	"github.com/pantau-id/pantau/api/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "abuse:", err)
		}
		stop()
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("abuse", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		bin    = fs.String("bin", "bin/pantau", "the pantau binary to serve with")
		admin  = fs.String("admin-url", os.Getenv("PANTAU_BENCH_ADMIN_URL"), "PostgreSQL admin URL for the scratch database; empty tries 127.0.0.1:5432, then a private cluster")
		logDir = fs.String("log-dir", os.TempDir(), "folder for the server's log (abuse-server.log)")
		limit  = fs.Duration("timeout", 10*time.Minute, "give up after this long")
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *limit)
	defer cancel()
	adminURL, stopPG, err := bench.FindAdmin(ctx, *admin, "", false)
	if err != nil {
		return err
	}
	defer stopPG()
	scratch, err := bench.NewScratch(ctx, adminURL, "pantau_abuse")
	if err != nil {
		return err
	}
	defer func() { _ = scratch.Close(context.WithoutCancel(ctx)) }()
	store, err := postgres.Open(ctx, scratch.URL)
	if err != nil {
		return err
	}
	defer store.Close()
	ab := &bench.Abuse{Store: store, Log: stderr, MetricsTok: "abuse-metrics-token"}
	if err := ab.Seed(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}

	addr, err := bench.FreeAddr()
	if err != nil {
		return err
	}
	logPath := filepath.Join(*logDir, "abuse-server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	// The abuse driver is the proxy the server trusts, so each simulated
	// client can have an address of its own.
	srv := exec.Command(*bin, "serve", "-database", scratch.URL, "-addr", addr, "-no-migrate", "-log-level", "warn",
		"-trusted-proxies", "127.0.0.1", "-metrics-token", ab.MetricsTok)
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start %s: %w", *bin, err)
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	ab.Base, ab.PID = "http://"+addr, srv.Process.Pid
	if err := bench.WaitReady(ctx, ab.Base, time.Minute); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logPath)
	}
	fmt.Fprintf(stderr, "abuse: server pid %d on %s, log %s\n", ab.PID, ab.Base, logPath)
	res, err := ab.Run(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, res.Line())
	return nil
}
