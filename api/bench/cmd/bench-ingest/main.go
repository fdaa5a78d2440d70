// Command bench-ingest measures Pantau's ingest: the same N results go once
// through the HTTP ingest API (gzip batches, concurrent senders, the server
// in this process on loopback) and once through a raw pgx CopyFrom into
// fresh partitions of the same table. Its last line is
//
//	ingest: api=<rows/s> copy=<rows/s> ratio=<api/copy> bytes_per_result=<n>
//
// It runs on a scratch database it creates and drops (make bench-ingest).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api/bench"
)

func main() {
	// Gin's mode is process-wide state: the process decides it, once, here
	// (debug mode prints every route of the in-process server).
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench-ingest:", err)
		}
		stop()
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-ingest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg     bench.IngestConfig
		admin   = fs.String("admin-url", os.Getenv("PANTAU_BENCH_ADMIN_URL"), "PostgreSQL admin URL where a scratch database is created (env PANTAU_BENCH_ADMIN_URL); empty tries 127.0.0.1:5432, then a private cluster")
		dataDir = fs.String("pg-dir", "", "data folder of the private cluster when one is needed (default $TMPDIR/pantau-bench-pg)")
		prof    = fs.String("cpuprofile", "", "write a CPU profile of the API phase to this file (go tool pprof)")
		keep    = fs.Bool("keep", false, "keep the scratch database (its URL is printed)")
		private = fs.Bool("private", false, "use a private PostgreSQL cluster (in -pg-dir) even when 127.0.0.1:5432 answers")
	)
	fs.IntVar(&cfg.Results, "n", 1_000_000, "results sent through each path")
	fs.IntVar(&cfg.Batch, "batch", 1000, "results per HTTP batch")
	fs.IntVar(&cfg.Senders, "senders", 4, "concurrent HTTP senders (the machine has few cores: more only queue)")
	fs.IntVar(&cfg.Probes, "probes", 200, "probes (offices) the results come from")
	fs.BoolVar(&cfg.Breakdown, "breakdown", false, "also store the batches through the store without HTTP and JSON, to locate the cost")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: bench-ingest [flags]\n\nSends the same N results through the HTTP ingest API and through a raw CopyFrom,\nand prints: ingest: api=<rows/s> copy=<rows/s> ratio=<api/copy> bytes_per_result=<n>\n(before it, with the database on this machine, the CPU per result of each path:\ncpu: api_us_per_result= copy_us_per_result= cpu_ratio=<copy/api>)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Results <= 0 || cfg.Batch <= 0 || cfg.Senders <= 0 || cfg.Probes <= 0 {
		return errors.New("-n, -batch, -senders and -probes must be positive")
	}
	adminURL, stopPG, err := bench.FindAdmin(ctx, *admin, *dataDir, *private)
	if err != nil {
		return err
	}
	defer stopPG()
	scratch, err := bench.NewScratch(ctx, adminURL, "pantau_bench")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Fprintln(stderr, "scratch database:", scratch.URL)
	} else {
		defer func() { _ = scratch.Close(context.WithoutCancel(ctx)) }()
	}
	var profile io.Writer
	if *prof != "" {
		f, err := os.Create(*prof)
		if err != nil {
			return fmt.Errorf("-cpuprofile: %w", err)
		}
		defer f.Close()
		profile = f
	}
	cfg.Progress = stderr
	figs, err := bench.RunIngest(ctx, scratch.URL, cfg, profile)
	if err != nil {
		return err
	}
	if line := figs.CPULine(); line != "" {
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintln(stdout, figs.Line())
	return nil
}
