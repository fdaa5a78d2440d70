package detect_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// base is the start of every test's stream: the Makassar cut.
var base = time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)

const interval = 30 * time.Second

// at is the i-th check time from base.
func at(i int) time.Time { return base.Add(time.Duration(i) * interval) }

// fixedClock is a clock tests move by hand; it says the time detection
// judges against, while the detector's waits (tick, gap) run in real time.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fixedClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *fixedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// world is a fresh database with offices, each with one probe and the
// targets "central" and "internet" (and more when asked).
type world struct {
	t       testing.TB
	s       *postgres.Store
	det     *detect.Detector
	clock   *fixedClock
	probes  map[string]api.Probe
	targets map[string]map[string]int64
	mu      sync.Mutex
	seq     map[string]uint64
	// deadlocks counts ingest retries after a deadlock.
	deadlocks int
}

// newWorld creates offices given as code → province code, every province
// named after its code.
func newWorld(t testing.TB, offices map[string]string, extraCentral ...string) *world {
	t.Helper()
	return newWorldWith(t, offices, api.Thresholds{}, extraCentral...)
}

// newWorldWith is newWorld with every target on thresholds th (zero fields
// take the defaults).
func newWorldWith(t testing.TB, offices map[string]string, th api.Thresholds, extraCentral ...string) *world {
	t.Helper()
	ctx := context.Background()
	s := pgtest.Store(t)
	w := &world{t: t, s: s, clock: &fixedClock{t: base}, probes: map[string]api.Probe{},
		targets: map[string]map[string]int64{}, seq: map[string]uint64{}}
	provs := map[string]bool{}
	var ps []api.Province
	var os []api.Office
	for code, prov := range offices {
		if !provs[prov] {
			provs[prov] = true
			ps = append(ps, api.Province{Code: prov, Name: "Provinsi " + prov, TZ: "Asia/Makassar"})
		}
		os = append(os, api.Office{Code: code, Name: "Kota " + code, ProvinceCode: prov, Kind: "kota", TZ: "Asia/Makassar"})
	}
	if err := s.UpsertRegions(ctx, ps, os, nil); err != nil {
		t.Fatalf("regions: %v", err)
	}
	for code := range offices {
		specs := []probe.Target{
			{Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"},
			{Name: "internet", Kind: probe.KindInternet, Check: probe.CheckTCP, Address: "127.0.0.1:2"},
		}
		for _, n := range extraCentral {
			specs = append(specs, probe.Target{Name: n, Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:3"})
		}
		for _, spec := range specs {
			if _, err := s.CreateTarget(ctx, api.Target{OfficeCode: code, Spec: spec, Interval: interval, Thresholds: th}); err != nil {
				t.Fatalf("target: %v", err)
			}
		}
		p, _, err := s.CreateProbe(ctx, code, "kantor")
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		ids, err := s.TargetIDs(ctx, code)
		if err != nil {
			t.Fatalf("target ids: %v", err)
		}
		w.probes[code], w.targets[code] = p, ids
	}
	det, err := detect.New(s.Detection(nil), detect.Config{Clock: w.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("detector: %v", err)
	}
	w.det = det
	return w
}

// obs is one result to deliver: office, target name, time, outcome.
type obs struct {
	office, target string
	at             time.Time
	ok             bool
	seq            uint64 // 0: assigned on delivery
}

// item turns o into an ingest item, assigning the probe's next seq.
func (w *world) item(o obs) api.IngestItem {
	w.mu.Lock()
	defer w.mu.Unlock()
	if o.seq == 0 {
		w.seq[o.office]++
		o.seq = w.seq[o.office]
	}
	r := probe.Result{Seq: o.seq, Target: o.target, ObservedAt: o.at, OK: o.ok, LatencyMS: 10}
	if !o.ok {
		r.Failure = probe.FailConnect
	}
	return api.IngestItem{TargetID: w.targets[o.office][o.target], Result: r}
}

// deliver ingests one batch of one office's results.
func (w *world) deliver(office string, os []obs) {
	w.t.Helper()
	items := make([]api.IngestItem, len(os))
	for i, o := range os {
		items[i] = w.item(o)
	}
	// Concurrent batches of one probe can deadlock inside ingest; the agent
	// retries a failed batch, and so does this.
	for try := 0; ; try++ {
		_, err := w.s.IngestResults(context.Background(), w.probes[office], probe.AgentInfo{Version: "test"}, items)
		if err == nil {
			return
		}
		var pgErr *pgconn.PgError
		if try < 20 && errors.As(err, &pgErr) && pgErr.Code == "40P01" {
			w.mu.Lock()
			w.deadlocks++
			w.mu.Unlock()
			continue
		}
		w.t.Fatalf("ingest: %v", err)
	}
}

// series makes results for office/target from check index i0, one per
// interval, '+' for success and '-' for failure; other runes skip a check.
func series(office, target string, i0 int, pattern string) []obs {
	var out []obs
	for i, c := range pattern {
		if c == '+' || c == '-' {
			out = append(out, obs{office: office, target: target, at: at(i0 + i), ok: c == '+'})
		}
	}
	return out
}

// drain runs the detector until no work is left.
func (w *world) drain() {
	w.t.Helper()
	for range 1000 {
		n, err := w.det.RunOnce(context.Background())
		if err != nil {
			w.t.Fatalf("RunOnce: %v", err)
		}
		if n == 0 {
			return
		}
	}
	w.t.Fatal("detector never drained")
}

// outages lists stored spans for a filter.
func (w *world) outages(f api.OutageFilter) []api.Outage {
	w.t.Helper()
	f.Limit = 1000
	os, err := w.s.Outages(context.Background(), f, w.clock.Now())
	if err != nil {
		w.t.Fatalf("outages: %v", err)
	}
	return os
}

func (w *world) incidents(f api.IncidentFilter) []api.Incident {
	w.t.Helper()
	is, err := w.s.Incidents(context.Background(), f)
	if err != nil {
		w.t.Fatalf("incidents: %v", err)
	}
	return is
}

// span renders an outage for failure messages and comparisons, in check
// indexes from base.
func span(o api.Outage) string {
	end := "open"
	if o.EndedAt != nil {
		end = fmt.Sprint(int(o.EndedAt.Sub(base) / interval))
	}
	return fmt.Sprintf("%s/%s %s %d..%s %s", o.OfficeCode, o.TargetName, o.Kind, int(o.StartedAt.Sub(base)/interval), end, o.Cause)
}

func spans(os []api.Outage) []string {
	out := []string{}
	for i := len(os) - 1; i >= 0; i-- { // oldest first
		out = append(out, span(os[i]))
	}
	return out
}
