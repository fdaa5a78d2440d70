// Command benchdetect measures what detection costs ingest (make
// bench-detect, not in CI). The same results, from many probes in batches as
// agents upload them, are stored in two fresh scratch databases, one with a
// detector running as pantau serve runs it (woken by each ingest's commit,
// its 1 s tick as safety net, a pool of its own) and one without. The
// workload goes in short rounds, the two databases taking turns (with
// first, then without first, and so on; the detector's queue drained
// before each turn of the other), so that both meet the same moments of a
// busy machine; each side's rate is the median of its rounds. Then it
// reports how long after a failing batch's commit its outage row appeared.
// Its last lines are
//
//	detect: with=<rows/s> without=<rows/s> ratio=<with/without>
//	detect: latency_p99_ms=<ms from the failing result's arrival to the outage row being open>
//
// The time the detector judges against follows the newest delivered observation, as it
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
	probes, ticks, batchTicks, senders, rounds int
	tick, gap                                  time.Duration
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
	fs.IntVar(&cfg.rounds, "rounds", 10, "rounds the workload is cut into, each stored with and without detection in turn")
	fs.DurationVar(&cfg.tick, "tick", time.Second, "the detector's tick (its default is 1s)")
	fs.DurationVar(&cfg.gap, "gap", 0, "the detector's least gap between passes woken by arrivals (0: its default)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the rounds, both sides (this process: ingest and detector, not PostgreSQL) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.probes <= 0 || cfg.ticks <= 0 || cfg.batchTicks <= 0 || cfg.senders <= 0 || cfg.rounds <= 0 {
		return errors.New("-probes, -ticks, -batch-ticks, -senders and -rounds must be positive")
	}
	adminURL, stopPG, err := bench.FindAdmin(ctx, *admin, *dataDir, *private)
	if err != nil {
		return err
	}
	defer stopPG()
	w := newWorkload(cfg, time.Now().Add(-time.Duration(cfg.ticks)*30*time.Second).Truncate(time.Second))
	with, err := newSide(ctx, adminURL, w, cfg, true, stderr)
	if err != nil {
		return fmt.Errorf("with detection: %w", err)
	}
	defer with.close(ctx)
	without, err := newSide(ctx, adminURL, w, cfg, false, stderr)
	if err != nil {
		return fmt.Errorf("without detection: %w", err)
	}
	defer without.close(ctx)
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
	var withRates, withoutRates []float64
	per := (len(w.batches) + cfg.rounds - 1) / cfg.rounds
	for r := range cfg.rounds {
		bs := w.batches[min(r*per, len(w.batches)):min((r+1)*per, len(w.batches))]
		if len(bs) == 0 {
			break
		}
		order := []*side{with, without}
		if r%2 == 1 {
			order = []*side{without, with}
		}
		for _, sd := range order {
			rate, err := sd.round(ctx, bs)
			if err != nil {
				return err
			}
			if sd.detecting {
				withRates = append(withRates, rate)
				// What the detector still has to do must not run during
				// the other side's turn.
				if err := sd.drain(ctx, 30*time.Second); err != nil {
					return err
				}
			} else {
				withoutRates = append(withoutRates, rate)
			}
		}
	}
	lat := with.finish(ctx)
	fmt.Fprintf(stderr, "benchdetect: rounds with=%.0f without=%.0f rows/s, outages timed %d\n", withRates, withoutRates, len(lat))
	fmt.Fprintf(stderr, "benchdetect: %s\n", with.timed)
	wm, wom := median(withRates), median(withoutRates)
	fmt.Fprintf(stdout, "detect: with=%.0f without=%.0f ratio=%.2f\n", wm, wom, wm/wom)
	fmt.Fprintf(stdout, "detect: latency_p99_ms=%.0f\n", p99(lat))
	return nil
}

// side is one scratch database the workload is stored in, with or without
// a detector.
type side struct {
	detecting bool
	cfg       config
	w         *workload
	scratch   *bench.Scratch
	pool      *pgxpool.Pool
	store     *postgres.Store
	detection *postgres.Detection
	probes    []benchProbe
	clock     *followClock
	lat       *latencies
	timed     *timedStore
	cancel    context.CancelFunc
	bg        sync.WaitGroup
}

// newSide creates the side's database, its offices, targets and probes,
// and starts its detector (as pantau serve runs it: connections of its
// own, woken by arrivals) when detecting.
func newSide(ctx context.Context, adminURL string, w *workload, cfg config, detecting bool, log io.Writer) (*side, error) {
	scratch, err := bench.NewScratch(ctx, adminURL, "pantau_bench_detect")
	if err != nil {
		return nil, err
	}
	sd := &side{detecting: detecting, cfg: cfg, w: w, scratch: scratch, cancel: func() {}}
	if sd.pool, err = pgxpool.New(ctx, scratch.URL); err != nil {
		_ = scratch.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("open scratch: %w", err)
	}
	sd.store = postgres.New(sd.pool)
	if sd.probes, err = w.setup(ctx, sd.store); err != nil {
		sd.close(ctx)
		return nil, err
	}
	sd.clock = &followClock{newest: make([]time.Time, cfg.probes)}
	for p := range cfg.probes {
		sd.clock.advance(p, w.start)
	}
	if sd.detection, err = sd.store.OpenDetection(ctx, nil, 4); err != nil {
		sd.close(ctx)
		return nil, err
	}
	sd.lat = newLatencies()
	sd.timed = &timedStore{Store: sd.detection}
	if detecting {
		sd.timed.evaluated = sd.lat.evaluatedProbes
		det, err := detect.New(sd.timed, detect.Config{Tick: cfg.tick, Gap: cfg.gap, Waker: sd.detection, Now: sd.clock.Now,
			Logger: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelWarn}))})
		if err != nil {
			sd.close(ctx)
			return nil, err
		}
		bgCtx, cancel := context.WithCancel(ctx)
		sd.cancel = cancel
		sd.bg.Go(func() { det.Start(bgCtx) })
		sd.bg.Go(func() { sd.lat.watch(bgCtx, sd.pool) })
	}
	return sd, nil
}

// round stores bs with cfg.senders concurrent uploads and returns rows/s.
func (sd *side) round(ctx context.Context, bs []upload) (float64, error) {
	rows := 0
	for _, b := range bs {
		rows += len(b.results)
	}
	start := time.Now()
	var next atomic.Int64
	errs := make(chan error, sd.cfg.senders)
	var senders sync.WaitGroup
	for range sd.cfg.senders {
		senders.Go(func() {
			for i := int(next.Add(1) - 1); i < len(bs); i = int(next.Add(1) - 1) {
				b, p := bs[i], sd.probes[bs[i].probe]
				sent := time.Now()
				if _, err := sd.store.IngestResults(ctx, p.probe, probe.AgentInfo{Version: "bench"}, b.items(p.ids)); err != nil {
					errs <- err
					return
				}
				sd.clock.advance(b.probe, b.newest)
				if sd.detecting && b.opens != nil {
					sd.lat.committed(outageKey{p.probe.OfficeCode, p.probe.ID, p.ids["central"], b.opens.UnixNano()}, sent, time.Now())
				}
			}
		})
	}
	senders.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, fmt.Errorf("ingest (detection=%v): %w", sd.detecting, err)
	}
	return float64(rows) / elapsed.Seconds(), nil
}

// drain waits, at most d, until the detection queue is empty.
func (sd *side) drain(ctx context.Context, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		lag, err := sd.store.DetectionLag(ctx, time.Now())
		if err != nil {
			return err
		}
		if lag.Queued == 0 || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// finish waits (at most 30 s) for the outages still awaited, stops the
// detector and returns the latencies.
func (sd *side) finish(ctx context.Context) []time.Duration {
	sd.lat.wait(ctx, 30*time.Second)
	sd.cancel()
	sd.bg.Wait()
	return sd.lat.done
}

func (sd *side) close(ctx context.Context) {
	sd.cancel()
	sd.bg.Wait()
	if sd.detection != nil {
		sd.detection.Close()
	}
	if sd.pool != nil {
		sd.pool.Close()
	}
	_ = sd.scratch.Close(context.WithoutCancel(ctx))
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// followClock is the time of the probe furthest behind (its newest
// delivered observation) plus one interval: live, every probe is current,
// so none should look silent just because the benchmark's uploads of the
// others ran ahead. It is only the time detection judges against
// (detect.Config.Now); the passes run on the machine's clock.
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
	// evaluated, when set, is told of each evaluation that committed, as
	// it returns: the outages it wrote are visible from then on.
	evaluated func(ps []detect.ProbeRef, at time.Time)
}

func (t *timedStore) Work(ctx context.Context, now time.Time, limit int, silences bool) ([]detect.ProbeRef, error) {
	start := time.Now()
	defer func() { t.work.Add(int64(time.Since(start))); t.nWork.Add(1) }()
	return t.Store.Work(ctx, now, limit, silences)
}

func (t *timedStore) EvaluateProbes(ctx context.Context, ps []detect.ProbeRef, now time.Time) (detect.ProbeOutcome, error) {
	start := time.Now()
	out, err := t.Store.EvaluateProbes(ctx, ps, now)
	end := time.Now()
	t.evals.Add(int64(end.Sub(start)))
	t.nEvals.Add(1)
	if err == nil && t.evaluated != nil {
		t.evaluated(ps, end)
	}
	return out, err
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
