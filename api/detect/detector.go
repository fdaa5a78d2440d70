package detect

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
)

// ProbeRef names one probe, the unit the detector locks and evaluates.
type ProbeRef struct {
	OfficeCode string
	ProbeID    int64
}

// ProbeOutcome says what evaluating a set of probes did.
type ProbeOutcome struct {
	// Evaluated counts the probes evaluated; Skipped those whose lock
	// another detector held (their queued work stays queued for the next
	// pass).
	Evaluated, Skipped int
	Series             int // series re-evaluated
	Spans              int // spans written
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
// EvaluateProbes runs in one transaction, set-based over its probes (a
// few statements per call, not per probe), under an advisory lock per
// probe (pg_try_advisory_xact_lock): it claims the probes' queued series,
// replays each from its checkpoint or a known reset point, replaces its
// stored spans from there, recomputes the causes of each probe's central
// outages in the changed range and marks the ranges for incident grouping,
// then commits. Detectors that race for a probe skip it instead of
// waiting, so two never write the same series at once; each write checks
// that no span it wrote overlaps another of its series, and fails
// otherwise.
type Store interface {
	// Work lists probes with queued series, and when silences is set
	// series whose silence is due at now, oldest queued first, at most
	// limit.
	Work(ctx context.Context, now time.Time, limit int, silences bool) ([]ProbeRef, error)
	EvaluateProbes(ctx context.Context, ps []ProbeRef, now time.Time) (ProbeOutcome, error)
	// RecomputeIncidents regroups the central-cause outages of every range
	// marked since the last call, under one global lock: it loads the
	// window's outages and incidents, applies Incidents and Reconcile, and
	// writes the changes.
	RecomputeIncidents(ctx context.Context, now time.Time, rules IncidentRules) (IncidentOutcome, error)
}

// Config configures a Detector; zero values take the defaults.
type Config struct {
	// Tick is how often Start runs a pass when nothing wakes it (default
	// 1 s): the safety net behind Waker, and what finds silences due (a
	// pass looks for them once a Tick, not each time arrivals wake it).
	Tick time.Duration
	// Waker, when set, starts a pass as soon as results arrive, in this
	// process or (LISTEN/NOTIFY) in another replica's.
	Waker Waker
	// AfterIncidents, when set, is called after each incident transaction
	// commits, with its changes (work that must not hold the incident
	// lock: estimates, message texts), one call at a time in commit order.
	// Under Start it runs in a goroutine of its own, so the next grouping
	// does not wait for it (a national recovery's estimate took 4-15 s in
	// the soak); Start returns once the calls queued have run. RunOnce
	// calls it before returning. Its errors are its own to log.
	AfterIncidents func(ctx context.Context, changes []api.IncidentChange)
	// Gap is the least time between the starts of two passes woken by
	// arrivals (default 100 ms): arrivals within it share one pass, so a
	// busy ingest costs a pass per gap, not one per upload.
	Gap time.Duration
	// IncidentGap is the least time between the starts of two incident
	// groupings (default 250 ms): a grouping reloads every open central
	// outage and incident (at a national cut, all of them), so under a
	// stream of evaluations it runs at most this often, taking every range
	// marked meanwhile, instead of after each pass.
	IncidentGap time.Duration
	// Batch is how many probes one pass evaluates at most (default 500);
	// a pass that fills it runs again at once. (Growing it up to 8× while
	// behind was tried: a pass at the soak's cut then took 5.4 s, and what
	// arrived meanwhile waited for it; listing is cheap since 00026.)
	Batch int
	// Chunk is how many probes one transaction evaluates (default 100):
	// the statements are per chunk, so bigger chunks cost the database less
	// per probe, and a pass's chunks commit one by one.
	Chunk int
	// Workers is how many chunks one pass evaluates at once (default 2):
	// chunks are independent, each probe under its own lock.
	Workers int
	// Incidents are the grouping rules (DefaultIncidentRules for zero
	// fields).
	Incidents IncidentRules
	// Timeout bounds one pass (default 30 s): a pass cut short rolls its
	// transactions back, and their work waits for the next.
	Timeout time.Duration
	// Logger and Clock default to slog.Default() and clock.Real. The clock
	// schedules the passes and times them; it is also the time detection
	// judges silences and incidents against, unless Now is set.
	Logger *slog.Logger
	Clock  clock.Clock
	// Now, when set, is the time detection judges against instead of
	// Clock.Now: a benchmark replaying past results follows the newest one
	// delivered, while its passes run (and are timed) on the machine's
	// clock. (With both on one clock, a pass that spans a replayed upload
	// was timed in replayed minutes: "pass overran its interval took=5m0s".)
	Now func() time.Time
}

// Validate names the first field that is wrong.
func (c Config) Validate() error {
	switch {
	case c.Tick < 0:
		return errors.New("tick: must not be negative")
	case c.Gap < 0:
		return errors.New("gap: must not be negative")
	case c.IncidentGap < 0:
		return errors.New("incident_gap: must not be negative")
	case c.Timeout < 0:
		return errors.New("timeout: must not be negative")
	case c.Batch < 0:
		return errors.New("batch: must not be negative")
	case c.Workers < 0:
		return errors.New("workers: must not be negative")
	case c.Chunk < 0:
		return errors.New("chunk: must not be negative")
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
	if c.IncidentGap == 0 {
		c.IncidentGap = 250 * time.Millisecond
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.Batch == 0 {
		c.Batch = 500
	}
	if c.Workers == 0 {
		c.Workers = 2
	}
	if c.Chunk == 0 {
		c.Chunk = 100
	}
	c.Incidents = c.Incidents.WithDefaults()
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.Now == nil {
		c.Now = c.Clock.Now
	}
	return c
}

// Detector evaluates queued series and silences, then regroups incidents.
// It is two background services (api/background): evaluation, a pass at
// start, then one whenever results arrive (Waker) and at least every Tick;
// and incident grouping, woken after each evaluation pass that evaluated
// something (and every Tick). Apart, an evaluation pass never waits for a
// grouping (a national cut's grouping takes the longest), and groupings
// follow one another as fast as they run, each taking every range marked
// meanwhile.
type Detector struct {
	store   Store
	cfg     Config
	wake    chan struct{}
	incWake chan struct{}
	svc     *background.Service
	inc     *background.Service
	done    chan struct{}
	// after holds committed changes for AfterIncidents, in order, while
	// Start runs (afterOn); afterSig wakes their goroutine.
	afterMu  sync.Mutex
	after    [][]api.IncidentChange
	afterOn  bool
	afterSig *Signal
	// silenced is when (on Clock) a pass under Start last looked for
	// silences due; passes run one at a time.
	silenced time.Time
}

// New returns a Detector over store.
func New(store Store, cfg Config) (*Detector, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("detect config: %w", err)
	}
	d := &Detector{store: store, cfg: cfg.withDefaults(), wake: make(chan struct{}, 1), incWake: make(chan struct{}, 1),
		done: make(chan struct{}), afterSig: NewSignal()}
	// A pass that filled its batch asks for the next at once: a backlog
	// never waits a tick per batch.
	d.svc = background.New(background.Config{Name: "detect", Interval: d.cfg.Tick, Timeout: d.cfg.Timeout,
		Wake: d.wake, Clock: d.cfg.Clock, Logger: d.cfg.Logger}, func(ctx context.Context) (bool, error) {
		// Silences are looked for once a Tick (a scan of every series):
		// passes woken by arrivals in between take the queue alone.
		silences := d.silenced.IsZero() || d.cfg.Clock.Now().Sub(d.silenced) >= d.cfg.Tick
		if silences {
			d.silenced = d.cfg.Clock.Now()
		}
		_, full, err := d.evaluatePass(ctx, silences)
		return full, err
	})
	d.inc = background.New(background.Config{Name: "detect-incidents", Interval: d.cfg.Tick, Timeout: d.cfg.Timeout,
		Wake: d.incWake, Clock: d.cfg.Clock, Logger: d.cfg.Logger}, func(ctx context.Context) (bool, error) {
		gap := d.cfg.Clock.After(d.cfg.IncidentGap)
		err := d.incidentPass(ctx, true)
		select {
		case <-ctx.Done():
		case <-gap:
		}
		return false, err
	})
	return d, nil
}

// Start runs passes until ctx ends or Stop is called, and returns then
// (run it in a goroutine). Errors are logged, never fatal: the queue keeps
// the work for the next pass.
func (d *Detector) Start(ctx context.Context) {
	defer close(d.done)
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // ends the relay once the services have ended
	if d.cfg.Waker != nil {
		wg.Go(func() { d.relay(ctx) })
	}
	afterStop := make(chan struct{})
	d.afterMu.Lock()
	d.afterOn = true
	d.afterMu.Unlock()
	var afterDone sync.WaitGroup
	afterDone.Go(func() { d.afterLoop(ctx, afterStop) })
	wg.Go(func() { d.inc.Start(ctx) })
	d.svc.Start(ctx)
	// Evaluation stopped (Stop, or ctx): grouping stops with it, then
	// what it committed is handed to AfterIncidents.
	stop, cancelStop := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
	defer cancelStop()
	_ = d.inc.Stop(stop)
	close(afterStop)
	afterDone.Wait()
}

// afterLoop calls AfterIncidents with each batch of changes queued, in
// order, until stop is closed; then with what is left, even when ctx has
// ended (bounded by Timeout).
func (d *Detector) afterLoop(ctx context.Context, stop <-chan struct{}) {
	for {
		select {
		case <-d.afterSig.C():
			d.runAfter(ctx, false)
		case <-stop:
			last, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.Timeout)
			defer cancel()
			d.runAfter(last, true)
			return
		}
	}
}

// runAfter calls AfterIncidents with the batches queued; last ends the
// queueing (later changes are handed over at once).
func (d *Detector) runAfter(ctx context.Context, last bool) {
	d.afterMu.Lock()
	batches := d.after
	d.after = nil
	if last {
		d.afterOn = false
	}
	d.afterMu.Unlock()
	for _, chs := range batches {
		d.cfg.AfterIncidents(ctx, chs)
	}
}

// Stop ends the detector and waits, at most until ctx ends, for the passes
// under way.
func (d *Detector) Stop(ctx context.Context) error {
	return errors.Join(d.svc.Stop(ctx), d.inc.Stop(ctx))
}

// Done is closed once Start has returned.
func (d *Detector) Done() <-chan struct{} { return d.done }

// relay turns arrivals into wake-ups of the service until ctx ends: this
// process's arrivals (announced to the other replicas too) at most once per
// Gap, so a busy ingest costs a pass per gap and not one per upload (those
// in between gather into the next); other replicas' at once.
func (d *Detector) relay(ctx context.Context) {
	remote := NewSignal()
	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Go(func() { d.cfg.Waker.Listen(ctx, remote.Signal) })
	wake := func() {
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-remote.C():
			wake()
		case <-d.cfg.Waker.Arrivals():
			wake()
			// Other replicas' detectors may take part of the work.
			if err := d.cfg.Waker.Notify(ctx); err != nil && ctx.Err() == nil {
				d.cfg.Logger.Warn("announce arrivals to other replicas", slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-d.cfg.Clock.After(d.cfg.Gap):
			}
		}
	}
}

// RunOnce evaluates up to Batch probes with work and regroups incidents for
// what changed. It returns how many probes it evaluated (skipped ones not
// counted). Tests call it directly.
func (d *Detector) RunOnce(ctx context.Context) (int, error) {
	n, _, err := d.evaluatePass(ctx, true)
	return n, errors.Join(err, d.incidentPass(ctx, false))
}

// wakeIncidents asks the grouping service for a pass (it runs at most
// every IncidentGap).
func (d *Detector) wakeIncidents() {
	select {
	case d.incWake <- struct{}{}:
	default:
	}
}

// incidentPass regroups incidents for the ranges marked since the last
// one, then hands what committed to AfterIncidents: queued for its
// goroutine when queue is set and Start runs it, else called here.
func (d *Detector) incidentPass(ctx context.Context, queue bool) error {
	inc, err := d.store.RecomputeIncidents(ctx, d.cfg.Now(), d.cfg.Incidents)
	if err != nil {
		return fmt.Errorf("recompute incidents: %w", err)
	}
	if len(inc.Committed) > 0 && d.cfg.AfterIncidents != nil {
		d.afterMu.Lock()
		queued := queue && d.afterOn
		if queued {
			d.after = append(d.after, inc.Committed)
		}
		d.afterMu.Unlock()
		if queued {
			d.afterSig.Signal()
		} else {
			d.cfg.AfterIncidents(ctx, inc.Committed)
		}
	}
	if inc.Changes > 0 {
		d.cfg.Logger.Debug("incident pass", slog.Int("incident_changes", inc.Changes))
	}
	return nil
}

// evaluatePass evaluates up to the batch of probes with work (silences due
// too when silences is set), Chunk per transaction, oldest work first, and
// returns how many it evaluated and whether the batch was full (more work
// is waiting).
func (d *Detector) evaluatePass(ctx context.Context, silences bool) (int, bool, error) {
	now := d.cfg.Now()
	work, err := d.store.Work(ctx, now, d.cfg.Batch, silences)
	if err != nil {
		return 0, false, fmt.Errorf("list detection work: %w", err)
	}
	full := len(work) >= d.cfg.Batch
	var chunks [][]ProbeRef
	// Small passes still spread over the workers; big ones go Chunk at a time.
	size := min(max((len(work)+d.cfg.Workers-1)/d.cfg.Workers, 1), d.cfg.Chunk)
	for c := range slices.Chunk(byOffice(work), size) {
		chunks = append(chunks, c)
	}
	var (
		mu   sync.Mutex
		done int
		errs []error
		next atomic.Int64
		wg   sync.WaitGroup
	)
	for range min(d.cfg.Workers, len(chunks)) {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(chunks)); i = next.Add(1) - 1 {
				n, err := d.evaluate(ctx, chunks[i], now)
				if n > 0 {
					// Grouping follows each chunk's commit, not the end of
					// a long pass.
					d.wakeIncidents()
				}
				mu.Lock()
				done += n
				errs = append(errs, err...)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if done > 0 {
		d.cfg.Logger.Debug("detection pass", slog.Int("probes", done))
	}
	return done, full, errors.Join(errs...)
}

// byOffice orders work office by office, the offices in the order of their
// first probe (so the longest-waiting still go first): chunks evaluated at
// once then share few offices, and the mark each writes per office for
// grouping (a row per office) makes one wait for another's commit rarely.
func byOffice(work []ProbeRef) []ProbeRef {
	rank := map[string]int{}
	for _, p := range work {
		if _, ok := rank[p.OfficeCode]; !ok {
			rank[p.OfficeCode] = len(rank)
		}
	}
	out := slices.Clone(work)
	slices.SortStableFunc(out, func(a, b ProbeRef) int { return rank[a.OfficeCode] - rank[b.OfficeCode] })
	return out
}

// evaluate evaluates one chunk of probes and returns how many it
// evaluated. A chunk that fails is tried again probe by probe, so one
// probe's failure does not hold up the others (its queue rows were rolled
// back and wait for the next pass).
func (d *Detector) evaluate(ctx context.Context, ps []ProbeRef, now time.Time) (int, []error) {
	out, err := d.store.EvaluateProbes(ctx, ps, now)
	if err == nil {
		return out.Evaluated, nil
	}
	if len(ps) == 1 || ctx.Err() != nil {
		return 0, []error{err}
	}
	var (
		done int
		errs []error
	)
	for _, p := range ps {
		out, err := d.store.EvaluateProbes(ctx, []ProbeRef{p}, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		done += out.Evaluated
	}
	return done, errs
}
