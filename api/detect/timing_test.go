package detect_test

import (
	"context"
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
	"github.com/pantau-id/pantau/api/detect"
)

// Quick cases of the rules of DESIGN.md "Incidents and alerts under real
// timing", through the store with a simulated clock.

// heard records the incident changes the hook is told, as "kind id".
type heard struct {
	mu  sync.Mutex
	chs []api.IncidentChange
}

func (h *heard) hook(_ context.Context, _ api.EscalationTx, ch api.IncidentChange) error {
	h.mu.Lock()
	h.chs = append(h.chs, ch)
	h.mu.Unlock()
	return nil
}

func (h *heard) kinds() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ch := range h.chs {
		out = append(out, fmt.Sprintf("%s %d", ch.Kind, ch.Incident.ID))
	}
	return out
}

// listen gives w a detector whose hook records into the returned heard.
func (w *world) listen(rules detect.IncidentRules) *heard {
	w.t.Helper()
	h := &heard{}
	det, err := detect.New(w.s.Detection(h.hook), detect.Config{Clock: w.clock, Incidents: rules,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		w.t.Fatal(err)
	}
	w.det = det
	return h
}

// shifted is series with every observation moved by d: agents do not
// check in step.
func shifted(d time.Duration, os []obs) []obs {
	for i := range os {
		os[i].at = os[i].at.Add(d)
	}
	return os
}

func TestProvinceCutReportedSecondsApartIsOneIncident(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.01": "73", "73.02": "73", "73.03": "73", "73.04": "73", "74.01": "74",
		"74.02": "74", "74.03": "74", "74.04": "74", "74.05": "74"})
	h := w.listen(detect.IncidentRules{})
	// All four offices of 73 (of 9) lose the central link at check 2; each agent
	// checks and reports 0.5–2 s after the one before, and the detector
	// runs between every two reports.
	rng := rand.New(rand.NewPCG(11, 73))
	now := at(8)
	var lag time.Duration
	for _, code := range []string{"73.03", "73.01", "73.04", "73.02"} {
		lag += time.Duration(500+rng.IntN(1500)) * time.Millisecond
		w.deliver(code, shifted(lag, append(series(code, "central", 0, "++------"), series(code, "internet", 0, "++++++++")...)))
		w.clock.Set(now.Add(lag))
		w.drain()
	}
	is := w.incidents(api.IncidentFilter{})
	if len(is) != 1 || is[0].Scope != api.ScopeProvince || len(is[0].Offices) != 4 || is[0].ProvinceCode != "73" {
		t.Fatalf("incidents %+v, want one province incident of 73 with 4 offices", view(is))
	}
	id := is[0].ID
	want := []string{fmt.Sprintf("opened %d", id), fmt.Sprintf("scope_changed %d", id), fmt.Sprintf("updated %d", id), fmt.Sprintf("updated %d", id)}
	if got := h.kinds(); !reflect.DeepEqual(got, want) {
		t.Errorf("hook heard %q, want %q", got, want)
	}
}

func TestUnrelatedCutsInTwoProvincesAreTwoIncidents(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73", "73.72": "73", "74.71": "74", "74.72": "74", "75.01": "75"})
	h := w.listen(detect.IncidentRules{})
	// Kota Makassar is cut at check 2, Kota Kendari at check 5; they
	// overlap from 5 to 12.
	w.deliver("73.71", append(series("73.71", "central", 0, "++----------++++++"), series("73.71", "internet", 0, strings.Repeat("+", 18))...))
	w.deliver("74.71", append(series("74.71", "central", 0, "+++++---------++++"), series("74.71", "internet", 0, strings.Repeat("+", 18))...))
	for i := 4; i <= 18; i++ {
		w.clock.Set(at(i))
		w.drain()
	}
	is := w.incidents(api.IncidentFilter{})
	got := view(is)
	want := []incidentView{{2, 12, api.ScopeOffice, "73", 1, 1}, {5, 14, api.ScopeOffice, "74", 1, 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("incidents\n got  %+v\n want %+v", got, want)
	}
	if n := len(h.kinds()); n != 2 {
		// Both came in one batch, already over: two late incidents.
		t.Errorf("hook heard %q, want two changes", h.kinds())
	}
}

func TestLateIncidentIsEndedAndFlagged(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73", "73.72": "73"})
	h := w.listen(detect.IncidentRules{})
	// Live data up to check 3, then the link (or the server) is gone; the
	// spool delivers the cut and its end at check 20.
	w.deliver("73.71", append(series("73.71", "central", 0, "+++"), series("73.71", "internet", 0, "+++")...))
	w.clock.Set(at(3))
	w.drain()
	w.deliver("73.71", append(series("73.71", "central", 3, "----++++"), series("73.71", "internet", 3, "++++++++")...))
	w.clock.Set(at(20))
	w.drain()
	is := w.incidents(api.IncidentFilter{})
	if len(is) != 1 || is[0].EndedAt == nil || !is[0].Late || !is[0].FirstSeenAt.Equal(at(20)) {
		t.Fatalf("incidents %+v, want one ended late incident first seen at check 20", is)
	}
	id := is[0].ID
	if got, want := h.kinds(), []string{fmt.Sprintf("late %d", id)}; !reflect.DeepEqual(got, want) {
		t.Fatalf("hook heard %q, want %q: a late incident is never opened", got, want)
	}
	// More of the spool shows the cut went on longer: the same incident,
	// still late.
	w.deliver("73.71", append(series("73.71", "central", 11, "--++"), series("73.71", "internet", 11, "++++")...))
	w.deliver("73.71", []obs{{office: "73.71", target: "central", at: at(7), ok: false}, {office: "73.71", target: "central", at: at(8), ok: false},
		{office: "73.71", target: "central", at: at(9), ok: false}, {office: "73.71", target: "central", at: at(10), ok: false}})
	w.clock.Set(at(21))
	w.drain()
	is = w.incidents(api.IncidentFilter{})
	if len(is) != 1 || is[0].ID != id || !is[0].Late || is[0].EndedAt == nil || !is[0].EndedAt.Equal(at(13)) {
		t.Fatalf("after more spool: %+v, want incident %d late, ended at check 13", view(is), id)
	}
	if got := h.kinds(); got[len(got)-1] != fmt.Sprintf("updated %d", id) {
		t.Errorf("hook heard %q, want an update of %d last", got, id)
	}
}

func TestFlappingAtHalfLossIsOneIncident(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73", "73.72": "73"})
	h := w.listen(detect.IncidentRules{})
	// 50 % loss to central, delivered live one check at a time: failures
	// come in runs long enough to open an outage now and then, and
	// successes close it again.
	pattern := "++---+-+---++-+---+-++----+-++---++++++++++++++++++++++"
	for i, c := range pattern {
		ok := c == '+'
		w.deliver("73.71", []obs{{office: "73.71", target: "central", at: at(i), ok: ok}, {office: "73.71", target: "internet", at: at(i), ok: true}})
		w.clock.Set(at(i + 1))
		w.drain()
	}
	var downs int
	for _, o := range w.outages(api.OutageFilter{OfficeCode: "73.71", TargetKind: "central"}) {
		if o.IncidentID == nil {
			t.Errorf("outage %s has no incident", span(o))
		}
		downs++
	}
	is := w.incidents(api.IncidentFilter{})
	if len(is) != 1 || downs < 3 || is[0].Flaps != downs-1 || is[0].EndedAt == nil {
		t.Fatalf("%d outages gave incidents %+v, want one ended with %d flaps", downs, is, downs-1)
	}
	// Availability still counts every down span: the outages stay apart.
	var opened int
	for _, k := range h.kinds() {
		if strings.HasPrefix(k, "opened ") || strings.HasPrefix(k, "late ") {
			opened++
		}
	}
	if opened != 1 {
		t.Errorf("hook heard %q, want one opened", h.kinds())
	}
}

func TestInMaintenanceOnlyOnceTheWindowBegan(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", append(series("73.71", "central", 0, "++------"), series("73.71", "internet", 0, "++++++++")...))
	w.clock.Set(at(8))
	w.drain()
	ctx := context.Background()
	if _, err := w.s.CreateMaintenance(ctx, api.MaintenanceWindow{Scope: api.ScopeOffice, OfficeCode: "73.71",
		StartsAt: at(20), EndsAt: at(30), Reason: "migrasi server"}); err != nil {
		t.Fatalf("create maintenance: %v", err)
	}
	in := func(now int) bool {
		w.clock.Set(at(now))
		os := w.outages(api.OutageFilter{OfficeCode: "73.71"})
		if len(os) != 1 {
			t.Fatalf("outages %q", spans(os))
		}
		return os[0].InMaintenance
	}
	if in(10) {
		t.Error("open outage in maintenance before its window began")
	}
	if !in(20) {
		t.Error("open outage not in maintenance once its window began")
	}
}

func TestQueueKeepsTheFirstQueuedTime(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73", "73.72": "73"})
	ctx := context.Background()
	w.deliver("73.71", series("73.71", "central", 5, "+"))
	var first time.Time
	if err := w.s.Pool().QueryRow(ctx, `SELECT min(queued_at) FROM detection_queue`).Scan(&first); err != nil {
		t.Fatal(err)
	}
	// A probe that keeps uploading does not move its series to the back;
	// an earlier observation moves from_at back.
	time.Sleep(10 * time.Millisecond)
	w.deliver("73.71", series("73.71", "central", 6, "+"))
	w.deliver("73.71", series("73.71", "central", 2, "+"))
	w.deliver("73.72", series("73.72", "central", 7, "+"))
	var queued time.Time
	if err := w.s.Pool().QueryRow(ctx, `SELECT min(queued_at) FROM detection_queue WHERE office_code = '73.71'`).Scan(&queued); err != nil {
		t.Fatal(err)
	}
	if !queued.Equal(first) {
		t.Errorf("queued_at moved from %v to %v", first, queued)
	}
	lag, err := w.s.DetectionLag(ctx, at(10))
	if err != nil {
		t.Fatal(err)
	}
	if lag.Queued != 2 || lag.Oldest != 8*interval {
		t.Errorf("lag %+v, want 2 queued and the oldest observation 8 checks old", lag)
	}
	w.clock.Set(at(10))
	w.drain()
	if lag, err := w.s.DetectionLag(ctx, at(10)); err != nil || lag != (detect.Lag{}) {
		t.Errorf("lag after detection %+v (%v), want none", lag, err)
	}
}

func TestArrivalsWakeTheDetectorWithoutItsTick(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.clock.Set(at(6))
	ctx, cancel := context.WithCancel(context.Background())
	d, err := w.s.OpenDetection(ctx, nil, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	det, err := detect.New(d, detect.Config{Tick: time.Hour, Waker: d, Clock: w.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); det.Start(ctx) }()
	defer func() { cancel(); <-done }()
	// The first pass runs at start; wait for it to find nothing.
	time.Sleep(100 * time.Millisecond)
	w.deliver("73.71", append(series("73.71", "central", 0, "++----"), series("73.71", "internet", 0, "++++++")...))
	deadline := time.Now().Add(10 * time.Second)
	for len(w.outages(api.OutageFilter{})) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no outage 10 s after the results arrived, with an hour's tick")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
