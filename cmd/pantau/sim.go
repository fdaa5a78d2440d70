package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/api/demo"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/sim"
)

const simUsage = `Usage: pantau sim [flags]

Simulates the nation against a running Pantau server: registers N probes
(default one per office, all 514; past 514 they are service points) with a
central and an internet target each, through the database the server uses,
then runs them in this process: each measures on its own phase of -interval,
keeps its results in memory while its office is offline and delivers them
in gzip batches to the server's HTTP API. A script of cuts decides what works:

  national@START+LENGTH        the central registry is down for everyone
  province:73@START+LENGTH     ... for every office of one province
  office:73.71@START+LENGTH    ... for one office (its internet works)
  offline:73.72@START+LENGTH   one office offline: both targets fail, it spools
  flap:73.73@START+LENGTH~P    one office's central link down and up every P
  loss:73.73@START+LENGTH~50%  one office's central link loses that share of checks at random

-cuts default spreads one of each over the run; -cuts none runs without.
The server must be on loopback. Progress every -progress; figures at the end.

Flags:
`

// simConfig is everything `pantau sim` needs.
type simConfig struct {
	db       dbFlags
	server   string
	offices  int
	interval time.Duration
	duration time.Duration
	drain    time.Duration
	cuts     string
	skew     time.Duration
	skewN    int
	batch    int
	progress time.Duration
	seed     uint64
	intake   int
}

func (c *simConfig) register(fs *flag.FlagSet) {
	c.db.register(fs)
	fs.StringVar(&c.server, "server", envOr("PANTAU_SIM_SERVER", "http://127.0.0.1:8080"), "base URL of the running server, on loopback (env PANTAU_SIM_SERVER)")
	fs.IntVar(&c.offices, "offices", 514, "simulated probes: one per office up to 514, then service points")
	fs.DurationVar(&c.interval, "interval", 30*time.Second, "check interval of each probe")
	fs.DurationVar(&c.duration, "duration", 10*time.Minute, "how long the probes measure")
	fs.DurationVar(&c.drain, "drain", time.Minute, "how long to keep delivering queued results after -duration")
	fs.StringVar(&c.cuts, "cuts", "default", "the script: default, none, or cuts separated by commas (see above)")
	fs.DurationVar(&c.skew, "skew", 0, "clock error of every -skew-every-th probe, alternately ahead and behind")
	fs.IntVar(&c.skewN, "skew-every", 10, "which probes get -skew")
	fs.IntVar(&c.batch, "batch", sim.DefaultBatch, "most results in one request")
	fs.DurationVar(&c.progress, "progress", 10*time.Second, "time between progress lines")
	fs.IntVar(&c.intake, "intake-days", 21, "days of daily document intake recorded for offices that have none (0: none)")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the schedule phases and latencies")
}

// Validate names the first bad setting and returns the script.
func (c *simConfig) Validate() ([]sim.Cut, error) {
	switch {
	case c.offices <= 0:
		return nil, fmt.Errorf("-offices: must be positive")
	case c.interval < 100*time.Millisecond:
		return nil, fmt.Errorf("-interval: at least 100ms")
	case c.duration <= 0 || c.drain <= 0 || c.progress <= 0:
		return nil, fmt.Errorf("-duration, -drain and -progress must be positive")
	case c.batch <= 0 || c.batch > 5000:
		return nil, fmt.Errorf("-batch: between 1 and 5000")
	}
	if err := sim.CheckLoopback(c.server); err != nil {
		return nil, fmt.Errorf("-server: %w", err)
	}
	switch c.cuts {
	case "default":
		return sim.DefaultScript(c.duration, c.interval), nil
	case "none", "":
		return nil, nil
	}
	var cuts []sim.Cut
	for _, s := range strings.Split(c.cuts, ",") {
		cut, err := sim.ParseCut(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("-cuts: %w", err)
		}
		cuts = append(cuts, cut)
	}
	return cuts, nil
}

func runSim(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg simConfig
	cfg.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, simUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	cuts, err := cfg.Validate()
	if err != nil {
		return err
	}
	store, err := cfg.db.open(ctx, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	members, err := registerSim(ctx, store, cfg, stdout)
	if err != nil {
		return err
	}
	if cfg.intake > 0 {
		if err := seedSimIntake(ctx, store, members, cfg.intake, stdout); err != nil {
			return err
		}
	}
	started := time.Now()
	fmt.Fprintf(stdout, "sim: %d probes at %s for %s against %s; cuts: %s\n", len(members), cfg.interval, cfg.duration, cfg.server, cutList(cuts))
	figs, err := sim.Run(ctx, members, sim.Config{Server: cfg.server, Duration: cfg.duration, Drain: cfg.drain, Batch: cfg.batch,
		Skew: cfg.skew, SkewEvery: cfg.skewN, Cuts: cuts, Progress: stdout, ProgressEvery: cfg.progress, Seed: cfg.seed})
	if err != nil {
		return fmt.Errorf("sim: %w", err)
	}
	stored, err := sim.Stored(ctx, store, members)
	if err != nil {
		return err
	}
	printFigures(stdout, figs, stored, cuts)
	// The detector runs on its tick; what it made of the run so far.
	outages, incidents, ok, err := sim.Detected(ctx, store, members, started.Add(-time.Minute))
	switch {
	case err != nil:
		fmt.Fprintf(stdout, "  %-15s unavailable: %v\n", "detected", err)
	case ok:
		fmt.Fprintf(stdout, "  %-15s %s\n  %-15s %s\n", "outages", counts(outages), "incidents", counts(incidents))
	}
	return nil
}

// counts writes a map as "a 1, b 2" in key order.
func counts(m map[string]int64) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func registerSim(ctx context.Context, store *postgres.Store, cfg simConfig, out io.Writer) ([]sim.Member, error) {
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		return nil, err
	}
	runID := fmt.Sprintf("%s-%d", time.Now().UTC().Format("0102T150405"), os.Getpid())
	return sim.Register(ctx, store, provinces, sim.Pick(offices, cfg.offices), sim.RegisterConfig{
		Probes: cfg.offices, Interval: cfg.interval, CentralAddress: "http://sim-central.invalid/ping", RunID: runID,
		Progress: func(done, total int) {
			if done%500 == 0 || done == total {
				fmt.Fprintf(out, "sim: registered %d/%d probes\n", done, total)
			}
		},
	})
}

func cutList(cuts []sim.Cut) string {
	if len(cuts) == 0 {
		return "none"
	}
	parts := make([]string, len(cuts))
	for i, c := range cuts {
		parts[i] = c.String()
	}
	return strings.Join(parts, ", ")
}

func printFigures(w io.Writer, f sim.Figures, stored int64, cuts []sim.Cut) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "sim: done in %s\n", f.Elapsed.Round(time.Second))
	fmt.Fprintf(tw, "  probes\t%d\n", f.Probes)
	fmt.Fprintf(tw, "  results\t%d measured, %d stored, %d lost (%d dropped from full queues, %d still queued)\n",
		f.Generated, stored, f.Generated-stored, f.Dropped, f.Undelivered)
	fmt.Fprintf(tw, "  requests\t%d answered, %d failed and retried, %d duplicates, %d rejected\n", f.Requests, f.FailedRequests, f.Duplicates, f.Rejected)
	fmt.Fprintf(tw, "  ingest latency\tp50 %.1f ms, p99 %.1f ms, max %.1f ms\n", msOf(f.P50), msOf(f.P99), msOf(f.Max))
	fmt.Fprintf(tw, "  throughput\t%.0f results/s\n", float64(f.Generated)/f.Elapsed.Seconds())
	fmt.Fprintf(tw, "  cuts\t%s\n", cutList(cuts))
	_ = tw.Flush()
}

func msOf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// seedSimIntake records daily intake for the simulated offices, so their
// reports have backlog and overtime to show when the cuts come.
func seedSimIntake(ctx context.Context, store *postgres.Store, members []sim.Member, days int, out io.Writer) error {
	seen := map[string]bool{}
	var codes []string
	for _, m := range members {
		if !seen[m.Office.Code] {
			seen[m.Office.Code] = true
			codes = append(codes, m.Office.Code)
		}
	}
	n, err := demo.SeedIntake(ctx, store, codes, days, time.Now(), func(done, total int) {
		if done%100 == 0 || done == total {
			fmt.Fprintf(out, "sim: intake %d/%d offices\n", done, total)
		}
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "sim: recorded %d days of intake for %d offices (%d had some already)\n", days, n, len(codes)-n)
	return nil
}
