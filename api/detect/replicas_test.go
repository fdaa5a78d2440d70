package detect_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// replica is one pantau serve's detector: its own store over the shared
// database, its own pool, woken by its own ingest and by the other's
// notifications.
type replica struct {
	store  *postgres.Store
	cancel context.CancelFunc
	done   chan struct{}
}

// startReplica runs a detector over store until stopped; every change it
// commits goes to record.
func startReplica(t *testing.T, store *postgres.Store, clk clock.Clock, record func([]api.IncidentChange)) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	d, err := store.OpenDetection(ctx, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	det, err := detect.New(d, detect.Config{Tick: 50 * time.Millisecond, Waker: d, Clock: clk, Workers: 2,
		AfterIncidents: func(_ context.Context, chs []api.IncidentChange) { record(chs) },
		Logger:         slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	r := &replica{store: store, cancel: cancel, done: make(chan struct{})}
	go func() { defer close(r.done); det.Start(ctx); d.Close() }()
	return r
}

func (r *replica) stop() { r.cancel(); <-r.done }

// idle waits until no queued series and no incident range is left.
func idle(t *testing.T, s *postgres.Store) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		err := s.Pool().QueryRow(context.Background(), `SELECT (SELECT count(*) FROM detection_queue) + (SELECT count(*) FROM incident_dirty)`).Scan(&n)
		if err != nil {
			t.Fatalf("queue: %v", err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("detection still has %d rows of work after 20 s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// scriptStep is one delivery and the detector's clock after it.
type scriptStep struct {
	batch []obs
	now   time.Time
}

// timingScript is a morning of real timing over 73 (4 offices), 74 (4) and
// 75 (3, quiet): 73 cut office by office seconds apart, then Kendari cut
// alone, a cut of 74.04 delivered from its spool after it ended, and 74.02
// flapping, each delivered as it happens.
func timingScript() []scriptStep {
	up := func(office string, from int, central string) []obs {
		return append(series(office, "central", from, central), series(office, "internet", from, strings.Repeat("+", len(central)))...)
	}
	var steps []scriptStep
	for k, code := range []string{"73.01", "73.02", "73.03"} {
		lag := time.Duration(k) * 700 * time.Millisecond
		steps = append(steps, scriptStep{shifted(lag, up(code, 0, "++--------++")), at(12).Add(lag)})
	}
	steps = append(steps, scriptStep{up("73.04", 0, "++++++++++++"), at(12)}, scriptStep{up("74.04", 0, "++++++++++++"), at(12)})
	for i, c := range "++----++++++++" {
		steps = append(steps, scriptStep{up("74.01", 12+i, string(c)), at(13 + i)})
	}
	steps = append(steps, scriptStep{up("74.04", 12, "++++++++---++"), at(30)})
	for i, c := range "+---++---++---++++" {
		steps = append(steps, scriptStep{up("74.02", 30+i, string(c)), at(31 + i)})
	}
	return steps
}

func TestTwoReplicasDetectOnceAndSurviveKills(t *testing.T) {
	t.Parallel()
	offices := map[string]string{"73.01": "73", "73.02": "73", "73.03": "73", "73.04": "73",
		"74.01": "74", "74.02": "74", "74.03": "74", "74.04": "74", "75.01": "75", "75.02": "75", "75.03": "75"}
	script := timingScript()

	// The reference: one detector, drained after every step.
	ref := newWorld(t, offices)
	for _, step := range script {
		ref.deliver(step.batch[0].office, step.batch)
		ref.clock.Set(step.now)
		ref.drain()
	}

	w := newWorld(t, offices)
	second, err := postgres.Open(context.Background(), w.s.Pool().Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.Close)
	stores := []*postgres.Store{w.s, second}
	var (
		mu    sync.Mutex
		heard []api.IncidentChange
	)
	record := func(chs []api.IncidentChange) { mu.Lock(); heard = append(heard, chs...); mu.Unlock() }
	replicas := []*replica{startReplica(t, stores[0], w.clock, record), startReplica(t, stores[1], w.clock, record)}
	rng := rand.New(rand.NewPCG(9, 2))
	kills := 0
	for _, step := range script {
		// Each step arrives at one replica or the other, as behind a load
		// balancer; now and then one replica is killed mid-work and
		// restarted.
		w.clock.Set(step.now)
		k := rng.IntN(2)
		deliverVia(t, w, stores[k], step.batch)
		if rng.IntN(3) == 0 {
			time.Sleep(time.Duration(rng.IntN(15)) * time.Millisecond)
			replicas[k].stop()
			kills++
			replicas[k] = startReplica(t, stores[k], w.clock, record)
		}
		idle(t, w.s)
	}
	for _, r := range replicas {
		r.stop()
	}
	if kills == 0 {
		t.Fatal("the script killed no replica")
	}
	if got, want := spans(w.outages(api.OutageFilter{Kind: "all"})), spans(ref.outages(api.OutageFilter{Kind: "all"})); !reflect.DeepEqual(got, want) {
		t.Errorf("outages with two replicas\n got  %q\n want %q", got, want)
	}
	got, want := w.incidents(api.IncidentFilter{}), ref.incidents(api.IncidentFilter{})
	if !reflect.DeepEqual(view(got), view(want)) {
		t.Fatalf("incidents with two replicas\n got  %+v\n want %+v", view(got), view(want))
	}
	for i := range got {
		if got[i].Late != want[i].Late || got[i].Flaps != want[i].Flaps {
			t.Errorf("incident %d: late %v flaps %d, want %v %d", got[i].ID, got[i].Late, got[i].Flaps, want[i].Late, want[i].Flaps)
		}
	}
	// Every committed change was made once: one opened (or late) per
	// incident, and never the same change twice in a row.
	firsts := map[int64]int{}
	last := map[int64]string{}
	for _, ch := range heard {
		if ch.Kind == api.IncidentOpened || ch.Kind == api.IncidentLate {
			firsts[ch.Incident.ID]++
		}
		key := fmt.Sprintf("%s %v %d %d", ch.Kind, ch.Incident.EndedAt, len(ch.Incident.Offices), ch.Incident.Flaps)
		if last[ch.Incident.ID] == key {
			t.Errorf("incident %d: change %q made twice", ch.Incident.ID, key)
		}
		last[ch.Incident.ID] = key
	}
	for _, in := range got {
		if firsts[in.ID] != 1 {
			t.Errorf("incident %d opened %d times, want once", in.ID, firsts[in.ID])
		}
	}
	t.Logf("%d steps, %d kills, %d changes, %d incidents", len(script), kills, len(heard), len(got))
}

// deliverVia ingests one batch through store, retrying deadlocks as an
// agent would.
func deliverVia(t *testing.T, w *world, store *postgres.Store, os []obs) {
	t.Helper()
	items := make([]api.IngestItem, len(os))
	for i, o := range os {
		items[i] = w.item(o)
	}
	for try := 0; ; try++ {
		_, err := store.IngestResults(context.Background(), w.probes[os[0].office], probe.AgentInfo{Version: "test"}, items)
		if err == nil {
			return
		}
		if try > 20 || errors.Is(err, context.Canceled) {
			t.Fatalf("ingest: %v", err)
		}
	}
}

func TestNotifyWakesOtherReplicasNotItself(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, b := w.s.Detection(nil), w.s.Detection(nil)
	wokeA, wokeB := detect.NewSignal(), detect.NewSignal()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	wg.Go(func() { a.Listen(ctx, wokeA.Signal) })
	wg.Go(func() { b.Listen(ctx, wokeB.Signal) })
	// Listening starts asynchronously: announce until B hears.
	deadline := time.After(10 * time.Second)
	for heardB := false; !heardB; {
		if err := a.Notify(ctx); err != nil {
			t.Fatal(err)
		}
		select {
		case <-wokeB.C():
			heardB = true
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatal("B never heard A's notification")
		}
	}
	select {
	case <-wokeA.C():
		t.Error("A was woken by its own notification")
	case <-time.After(200 * time.Millisecond):
	}
}
