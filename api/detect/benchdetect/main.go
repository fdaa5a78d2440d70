// Command benchdetect measures what detection costs ingest (make
// bench-detect, not in CI). The same results, from many probes in batches as
// agents upload them, are stored once with no detector running and once
// with one running as pantau serve runs it (woken by each ingest's commit,
// its 1 s tick as safety net, a pool of its own), each on a fresh scratch
// database; then it reports how long after a failing batch's commit its
// outage row appeared. Its last lines are
//
//	detect: with=<rows/s> without=<rows/s> ratio=<with/without>
//	detect: latency_p99_ms=<ms from the failing result's arrival to the outage row being open>
//
// The detector's clock follows the newest delivered observation, as it
// would on a live system, so series are not all silent.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/bench"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "benchdetect:", err)
		}
		stop()
		os.Exit(2)
	}
}

// config is the benchmark's shape.
type config struct {
	probes, ticks, batchTicks, senders int
	tick, gap                          time.Duration
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("benchdetect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg config
	admin := fs.String("admin-url", os.Getenv("PANTAU_BENCH_ADMIN_URL"), "PostgreSQL admin URL for the scratch databases; empty tries 127.0.0.1:5432, then a private cluster")
	dataDir := fs.String("pg-dir", "", "data folder of the private cluster when one is needed (default $TMPDIR/pantau-bench-pg)")
	private := fs.Bool("private", false, "use a private PostgreSQL cluster (in -pg-dir) even when 127.0.0.1:5432 answers: others' CREATE/DROP DATABASE on a shared server skew the figures")
	fs.IntVar(&cfg.probes, "probes", 200, "probes (one office each, central and internet targets)")
	fs.IntVar(&cfg.ticks, "ticks", 300, "checks per target and probe, 30 s apart")
	fs.IntVar(&cfg.batchTicks, "batch-ticks", 10, "checks per upload (the agent's batching)")
	fs.IntVar(&cfg.senders, "senders", 4, "concurrent uploads")
	fs.DurationVar(&cfg.tick, "tick", time.Second, "the detector's tick (its default is 1s)")
	fs.DurationVar(&cfg.gap, "gap", 0, "the detector's least gap between passes woken by arrivals (0: its default)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the phase with detection (this process: ingest and detector, not PostgreSQL) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.probes <= 0 || cfg.ticks <= 0 || cfg.batchTicks <= 0 || cfg.senders <= 0 {
		return errors.New("-probes, -ticks, -batch-ticks and -senders must be positive")
	}
	adminURL, stopPG, err := bench.FindAdmin(ctx, *admin, *dataDir, *private)
	if err != nil {
		return err
	}
	defer stopPG()
	w := newWorkload(cfg, time.Now().Add(-time.Duration(cfg.ticks)*30*time.Second).Truncate(time.Second))
	without, _, err := phase(ctx, adminURL, w, cfg, false, stderr)
	if err != nil {
		return fmt.Errorf("without detection: %w", err)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	with, lat, err := phase(ctx, adminURL, w, cfg, true, stderr)
	if err != nil {
		return fmt.Errorf("with detection: %w", err)
	}
	fmt.Fprintf(stdout, "detect: with=%.0f without=%.0f ratio=%.2f\n", with, without, with/without)
	fmt.Fprintf(stdout, "detect: latency_p99_ms=%.0f\n", p99(lat))
	return nil
}

// phase stores the workload on a fresh database, with or without a
// detector, and returns rows/s and the outage latencies.
func phase(ctx context.Context, adminURL string, w *workload, cfg config, detecting bool, log io.Writer) (float64, []time.Duration, error) {
	scratch, err := bench.NewScratch(ctx, adminURL, "pantau_bench_detect")
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = scratch.Close(context.WithoutCancel(ctx)) }()
	pool, err := pgxpool.New(ctx, scratch.URL)
	if err != nil {
		return 0, nil, fmt.Errorf("open scratch: %w", err)
	}
	defer pool.Close()
	store := postgres.New(pool)
	probes, err := w.setup(ctx, store)
	if err != nil {
		return 0, nil, err
	}
	clock := &followClock{newest: make([]time.Time, cfg.probes)}
	for p := range cfg.probes {
		clock.advance(p, w.start)
	}
	var lat latencies
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var bg sync.WaitGroup
	// As pantau serve runs it: connections of its own, woken by arrivals.
	detection, err := store.OpenDetection(ctx, nil, 4)
	if err != nil {
		return 0, nil, err
	}
	defer detection.Close()
	timed := &timedStore{Store: detection}
	if detecting {
		det, err := detect.New(timed, detect.Config{Tick: cfg.tick, Gap: cfg.gap, Waker: detection, Clock: clock,
			Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			return 0, nil, err
		}
		bg.Go(func() { det.Start(ctx) })
		bg.Go(func() { lat.watch(ctx, pool) })
	}
	start := time.Now()
	var next atomic.Int64
	errs := make(chan error, cfg.senders)
	var senders sync.WaitGroup
	for range cfg.senders {
		senders.Go(func() {
			for i := int(next.Add(1) - 1); i < len(w.batches); i = int(next.Add(1) - 1) {
				b := w.batches[i]
				if _, err := store.IngestResults(ctx, probes[b.probe].probe, probe.AgentInfo{Version: "bench"}, b.items(probes[b.probe].ids)); err != nil {
					errs <- err
					return
				}
				clock.advance(b.probe, b.newest)
				if b.opens != nil {
					lat.committed(outageKey{probes[b.probe].probe.OfficeCode, probes[b.probe].probe.ID, probes[b.probe].ids["central"], b.opens.UnixNano()}, time.Now())
				}
			}
		})
	}
	senders.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, nil, fmt.Errorf("ingest: %w", err)
	}
	if detecting {
		lat.wait(ctx, 30*time.Second)
	}
	cancel()
	bg.Wait()
	rate := float64(w.rows) / elapsed.Seconds()
	fmt.Fprintf(log, "benchdetect: detection=%v rows=%d in %v (%.0f rows/s), outages timed %d\n", detecting, w.rows, elapsed.Round(time.Millisecond), rate, len(lat.done))
	if detecting {
		fmt.Fprintf(log, "benchdetect: %s\n", timed)
	}
	return rate, lat.done, nil
}

// followClock is the time of the probe furthest behind (its newest
// delivered observation) plus one interval: live, every probe is current,
// so none should look silent just because the benchmark's uploads of the
// others ran ahead.
type followClock struct {
	mu     sync.Mutex
	newest []time.Time
}

func (c *followClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var t time.Time
	for _, n := range c.newest {
		if t.IsZero() || n.Before(t) {
			t = n
		}
	}
	return t.Add(30 * time.Second)
}

// After waits in real time: the benchmark's passes run on the machine's
// clock.
func (c *followClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func (c *followClock) advance(probe int, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.newest[probe]) {
		c.newest[probe] = t
	}
}

func p99(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[(len(ds)*99+99)/100-1]) / float64(time.Millisecond)
}

// rng is the workload's fixed seed, so both phases see the same results.
func rng() *rand.Rand { return rand.New(rand.NewPCG(2020, 1)) }

// timedStore measures the detector's calls, to say where its time goes.
type timedStore struct {
	detect.Store
	evals, incidents, work atomic.Int64 // nanoseconds
	nEvals, nInc, nWork    atomic.Int64
}

func (t *timedStore) Work(ctx context.Context, now time.Time, limit int) ([]detect.ProbeRef, error) {
	start := time.Now()
	defer func() { t.work.Add(int64(time.Since(start))); t.nWork.Add(1) }()
	return t.Store.Work(ctx, now, limit)
}

func (t *timedStore) EvaluateProbes(ctx context.Context, ps []detect.ProbeRef, now time.Time) (detect.ProbeOutcome, error) {
	start := time.Now()
	defer func() { t.evals.Add(int64(time.Since(start))); t.nEvals.Add(1) }()
	return t.Store.EvaluateProbes(ctx, ps, now)
}

func (t *timedStore) RecomputeIncidents(ctx context.Context, now time.Time, rules detect.IncidentRules) (detect.IncidentOutcome, error) {
	start := time.Now()
	defer func() { t.incidents.Add(int64(time.Since(start))); t.nInc.Add(1) }()
	return t.Store.RecomputeIncidents(ctx, now, rules)
}

func (t *timedStore) String() string {
	avg := func(ns, n int64) time.Duration {
		if n == 0 {
			return 0
		}
		return time.Duration(ns / n).Round(time.Microsecond)
	}
	return fmt.Sprintf("work %d× avg %v, evaluate %d× avg %v, incidents %d× avg %v",
		t.nWork.Load(), avg(t.work.Load(), t.nWork.Load()), t.nEvals.Load(), avg(t.evals.Load(), t.nEvals.Load()),
		t.nInc.Load(), avg(t.incidents.Load(), t.nInc.Load()))
}
