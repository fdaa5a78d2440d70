// Command soak runs Pantau's soak test: it starts `pantau serve` (the binary
// given with -bin) on a scratch database and a loopback port, then drives
// simulated offices against it phase by phase (default 514 offices at 30 s
// for 10 minutes, 5,000 at 10 s for 2 minutes, then 10,000 service points at
// 10 s with three targets each for 5 minutes with a national cut from minute
// 1 to 3), sampling the server's resident memory. The last lines, one per
// phase, are
//
//	soak: offices=<n> results=<n> lost=<n> p99_ms=<ingest p99> rss_mb=<server peak RSS>
//
// and for the cut phase the same with detect_lag_p99_s=<n> national_lag_s=<n>
// close_lag_s=<n> detect_lag_max_s=<n> (api/bench/lags.go). p99 is the ingest request latency as the simulated
// probes saw it.
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
			fmt.Fprintln(os.Stderr, "soak:", err)
		}
		stop()
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		bin     = fs.String("bin", "bin/pantau", "the pantau binary to serve with")
		phases  = fs.String("phases", "514:30s:10m,5000:10s:2m,10000:10s:5m:cut", "phases as PROBES:INTERVAL:DURATION[:cut], comma separated (cut: three targets, a national cut, detection lags)")
		admin   = fs.String("admin-url", os.Getenv("PANTAU_BENCH_ADMIN_URL"), "PostgreSQL admin URL for the scratch database (env PANTAU_BENCH_ADMIN_URL); empty tries 127.0.0.1:5432, then a private cluster")
		logDir  = fs.String("log-dir", os.TempDir(), "folder for the server's log (soak-server.log)")
		private = fs.Bool("private", false, "use a private PostgreSQL cluster even when 127.0.0.1:5432 answers")
		pool    = fs.Int("server-pool", 0, "pool_max_conns of the server's database URL (0: pgxpool's default, max(4, cores))")
	)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: soak [flags]\n\nStarts pantau serve on a scratch database and drives simulated offices against it,\nprinting one line per phase: soak: offices= results= lost= p99_ms= rss_mb=\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	plan, err := bench.ParsePhases(*phases)
	if err != nil {
		return fmt.Errorf("-phases: %w", err)
	}
	adminURL, stopPG, err := bench.FindAdmin(ctx, *admin, "", *private)
	if err != nil {
		return err
	}
	defer stopPG()
	scratch, err := bench.NewScratch(ctx, adminURL, "pantau_soak")
	if err != nil {
		return err
	}
	defer func() { _ = scratch.Close(context.WithoutCancel(ctx)) }()
	store, err := postgres.Open(ctx, scratch.URL)
	if err != nil {
		return err
	}
	defer store.Close()

	addr, err := bench.FreeAddr()
	if err != nil {
		return err
	}
	logPath := filepath.Join(*logDir, "soak-server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logFile.Close()
	serverURL := scratch.URL
	if *pool > 0 {
		serverURL += fmt.Sprintf("&pool_max_conns=%d", *pool)
	}
	srv := exec.Command(*bin, "serve", "-database", serverURL, "-addr", addr, "-no-migrate", "-log-level", "warn")
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		return fmt.Errorf("start %s: %w", *bin, err)
	}
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	base := "http://" + addr
	if err := bench.WaitReady(ctx, base, time.Minute); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logPath)
	}
	fmt.Fprintf(stderr, "soak: server pid %d on %s, log %s\n", srv.Process.Pid, base, logPath)
	var lines []string
	for i, ph := range plan {
		fmt.Fprintf(stderr, "soak: phase %d: %d offices at %s for %s\n", i+1, ph.Probes, ph.Interval, ph.Duration)
		res, err := bench.RunSoakPhase(ctx, store, base, srv.Process.Pid, ph, fmt.Sprintf("soak%d", i+1), stderr)
		if err != nil {
			return fmt.Errorf("phase %d: %w", i+1, err)
		}
		fmt.Fprintln(stderr, res.Line())
		lines = append(lines, res.Line())
	}
	for _, l := range lines {
		fmt.Fprintln(stdout, l)
	}
	return nil
}
