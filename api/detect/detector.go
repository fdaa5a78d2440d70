package detect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pantau-id/pantau/api"
)

// ProbeRef names one probe, the unit the detector locks and evaluates.
type ProbeRef struct {
	OfficeCode string
	ProbeID    int64
}

// ProbeOutcome says what one probe's evaluation did.
type ProbeOutcome struct {
	// Skipped is true when another detector held the probe's lock; its
	// queued work stays queued for the next pass.
	Skipped bool
	Series  int // series re-evaluated
	Spans   int // spans written
}

// IncidentOutcome counts what incident grouping did.
type IncidentOutcome struct {
	Groups  int
	Changes int
	// Committed are the changes as written (new incidents with their ids),
	// once their transaction committed.
	Committed []api.IncidentChange
}

// Store is the detector's port onto storage (postgres.Detection).
//
// EvaluateProbe runs in one transaction under an advisory lock per probe
// (pg_try_advisory_xact_lock): it claims the probe's queued series, replays
// each from a known reset point, replaces its stored spans from there,
// recomputes the causes of the probe's central outages in the changed range
// and marks the range for incident grouping, then commits. Detectors that
// race for a probe skip it instead of waiting, so two never write the same
// series at once; an exclusion constraint on outages makes overlap
// impossible even so.
type Store interface {
	// Work lists probes with queued series or series whose silence is due
	// at now, oldest queued first, at most limit.
	Work(ctx context.Context, now time.Time, limit int) ([]ProbeRef, error)
	EvaluateProbe(ctx context.Context, p ProbeRef, now time.Time) (ProbeOutcome, error)
	// RecomputeIncidents regroups the central-cause outages of every range
	// marked since the last call, under one global lock: it loads the
	// window's outages and incidents, applies Incidents and Reconcile, and
	// writes the changes.
	RecomputeIncidents(ctx context.Context, now time.Time, rules IncidentRules) (IncidentOutcome, error)
}

// Clock tells the time; tests inject a fixed one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// Config configures a Detector; zero values take the defaults.
type Config struct {
	// Tick is how often Start runs a pass when nothing wakes it (default
	// 1 s): the safety net behind Waker, and what finds silences due.
	Tick time.Duration
	// Waker, when set, starts a pass as soon as results arrive, in this
	// process or (LISTEN/NOTIFY) in another replica's.
	Waker Waker
	// AfterIncidents, when set, is called after each incident transaction
	// commits, with its changes (work that must not hold the incident
	// lock: estimates, message texts). The next pass waits for it, so slow
	// work belongs in a goroutine of its own; its errors are its own to
	// log.
	AfterIncidents func(ctx context.Context, changes []api.IncidentChange)
	// Gap is the least time between the starts of two passes woken by
	// arrivals (default 100 ms): arrivals within it share one pass, so a
	// busy ingest costs a pass per gap, not one per upload.
	Gap time.Duration
	// Batch is how many probes one pass evaluates at most (default 500);
	// a pass that fills it runs again at once.
	Batch int
	// Workers is how many probes one pass evaluates at once (default 4):
	// probes are independent, each under its own lock.
	Workers int
	// Incidents are the grouping rules (DefaultIncidentRules for zero
	// fields).
	Incidents IncidentRules
	// Logger and Clock default to slog.Default() and SystemClock.
	Logger *slog.Logger
	Clock  Clock
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.Tick < 0:
		return errors.New("tick: must not be negative")
	case c.Gap < 0:
		return errors.New("gap: must not be negative")
	case c.Batch < 0:
		return errors.New("batch: must not be negative")
	case c.Workers < 0:
		return errors.New("workers: must not be negative")
	}
	if err := c.Incidents.Validate(); err != nil {
		return fmt.Errorf("incidents.%w", err)
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Tick == 0 {
		c.Tick = time.Second
	}
	if c.Gap == 0 {
		c.Gap = 100 * time.Millisecond
	}
	if c.Batch == 0 {
		c.Batch = 500
	}
	if c.Workers == 0 {
		c.Workers = 4
	}
	c.Incidents = c.Incidents.WithDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = SystemClock
	}
	return c
}

// Detector evaluates queued series and silences, then regroups incidents.
type Detector struct {
	store Store
	cfg   Config
}

// New returns a Detector over store.
func New(store Store, cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("detect config: %w", err)
	}
	return &Detector{store: store, cfg: cfg.withDefaults()}, nil
}

// Start runs a pass whenever results arrive (Waker) and at least every
// Tick, until ctx ends. Errors are logged, never fatal: the queue keeps the
// work for the next pass.
func (d *Detector) Start(ctx context.Context) {
	t := time.NewTicker(d.cfg.Tick)
	defer t.Stop()
	var arrivals <-chan struct{}
	remote := NewSignal()
	if d.cfg.Waker != nil {
		arrivals = d.cfg.Waker.Arrivals()
		done := make(chan struct{})
		defer func() { <-done }()
		go func() { defer close(done); d.cfg.Waker.Listen(ctx, remote.Signal) }()
	}
	for {
		started := time.Now()
		// A pass that filled its batch runs again at once (a backlog never
		// waits a tick per batch); arrivals during a pass coalesce into one
		// more pass after it.
		for {
			n, err := d.RunOnce(ctx)
			if err != nil && ctx.Err() == nil {
				d.cfg.Logger.Error("detection pass failed", slog.Any("err", err))
			}
			if err != nil || n < d.cfg.Batch || ctx.Err() != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-remote.C():
		case <-arrivals:
			// Other replicas' detectors may take part of the work.
			if err := d.cfg.Waker.Notify(ctx); err != nil && ctx.Err() == nil {
				d.cfg.Logger.Warn("announce arrivals to other replicas", slog.Any("err", err))
			}
			// Let the arrivals of the gap gather into this pass.
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Until(started.Add(d.cfg.Gap))):
			}
		}
	}
}

// RunOnce evaluates up to Batch probes with work and regroups incidents for
// what changed. It returns how many probes it evaluated (skipped ones not
// counted). Tests call it directly.
func (d *Detector) RunOnce(ctx context.Context) (int, error) {
	now := d.cfg.Clock.Now()
	work, err := d.store.Work(ctx, now, d.cfg.Batch)
	if err != nil {
		return 0, fmt.Errorf("list detection work: %w", err)
	}
	var (
		mu   sync.Mutex
		done int
		errs []error
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(d.cfg.Workers, len(work)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(work)); i = next.Add(1) - 1 {
				out, err := d.store.EvaluateProbe(ctx, work[i], now)
				mu.Lock()
				switch {
				case err != nil:
					// One probe's failure must not block the others; its
					// queue rows were rolled back and wait for the next pass.
					errs = append(errs, err)
				case !out.Skipped:
					done++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	inc, err := d.store.RecomputeIncidents(ctx, now, d.cfg.Incidents)
	if err != nil {
		errs = append(errs, fmt.Errorf("recompute incidents: %w", err))
	}
	if len(inc.Committed) > 0 && d.cfg.AfterIncidents != nil {
		d.cfg.AfterIncidents(ctx, inc.Committed)
	}
	if done > 0 || inc.Changes > 0 {
		d.cfg.Logger.Debug("detection pass", slog.Int("probes", done), slog.Int("incident_changes", inc.Changes))
	}
	return done, errors.Join(errs...)
}
