package detect_test

import (
	"context"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/detect"
)

func TestCauseCentralAndLocal(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	// Central cut while the internet answers, then the office goes offline.
	w.deliver("73.71", series("73.71", "central", 0, "++-----++++++-------++"))
	w.deliver("73.71", series("73.71", "internet", 0, "++++++++++++-------++"))
	w.clock.Set(at(22))
	w.drain()
	got := spans(w.outages(api.OutageFilter{Kind: "all"}))
	want := []string{
		"73.71/central down 2..7 central",
		"73.71/internet down 12..19 local",
		"73.71/central down 13..20 local",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("outages\n got  %q\n want %q", got, want)
	}
}

func TestSpoolAfterThreeDaysReplacesUnknown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", series("73.71", "central", 0, "++++"))
	w.deliver("73.71", series("73.71", "internet", 0, "++++"))
	w.drain()
	// Three days of silence: the probe is unknown from its last result.
	threeDays := 3 * 24 * 60 * 2
	w.clock.Set(at(threeDays))
	w.drain()
	got := spans(w.outages(api.OutageFilter{Kind: "all", TargetKind: "central"}))
	if want := []string{"73.71/central unknown 3..open unknown"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("while silent\n got  %q\n want %q", got, want)
	}
	// The spool arrives, newest first, in batches: the central target was
	// cut after an hour, the internet stayed up.
	var central, internet []obs
	for i := 4; i < threeDays; i++ {
		central = append(central, obs{office: "73.71", target: "central", at: at(i), ok: i < 120})
		internet = append(internet, obs{office: "73.71", target: "internet", at: at(i), ok: true})
	}
	for end := len(central); end > 0; end -= 1000 {
		start := max(0, end-1000)
		w.deliver("73.71", append(central[start:end:end], internet[start:end]...))
		if end%3000 == 0 {
			w.drain()
		}
	}
	w.drain()
	got = spans(w.outages(api.OutageFilter{Kind: "all", TargetKind: "central"}))
	if want := []string{"73.71/central down 120..open central"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the spool\n got  %q\n want %q", got, want)
	}
}

func TestOfficeStates(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73", "73.72": "73", "73.73": "73"})
	// 73.71 is cut from check 4 on; 73.72 went silent after check 3; 73.73
	// never delivered anything.
	w.deliver("73.71", append(series("73.71", "central", 0, "++++------"), series("73.71", "internet", 0, "++++++++++")...))
	w.deliver("73.72", append(series("73.72", "central", 0, "++++"), series("73.72", "internet", 0, "++++")...))
	w.clock.Set(at(10))
	w.drain()
	states, err := w.s.OfficeStates(context.Background(), api.OfficeFilter{ProvinceCode: "73"}, w.clock.Now())
	if err != nil {
		t.Fatalf("states: %v", err)
	}
	type view struct {
		State api.State
		Since int
		Cause api.Cause
		Age   float64
	}
	got := map[string]view{}
	for _, s := range states {
		v := view{State: s.State, Since: -1, Cause: s.Cause, Age: -1}
		if s.Since != nil {
			v.Since = int(s.Since.Sub(base) / interval)
		}
		if s.LastResultAgeSeconds != nil {
			v.Age = *s.LastResultAgeSeconds
		}
		got[s.OfficeCode] = v
	}
	want := map[string]view{
		"73.71": {api.StateDown, 4, api.CauseCentral, 30},
		"73.72": {api.StateUnknown, 3, "", 210},
		"73.73": {api.StateUnknown, -1, "", -1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("states\n got  %+v\n want %+v", got, want)
	}
}

// Queue rows without observations (queued before the queue carried them,
// migration 00023) are evaluated from the results, mixed with rows that
// carry them.
func TestQueueRowsWithoutObservations(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", series("73.71", "central", 0, "++"))
	w.deliver("73.71", series("73.71", "internet", 0, "++"))
	w.clock.Set(at(2))
	w.drain()
	w.deliver("73.71", series("73.71", "central", 2, "---"))
	w.deliver("73.71", series("73.71", "internet", 2, "+++"))
	if _, err := w.s.Pool().Exec(context.Background(), `UPDATE detection_queue SET observed_at = NULL, seqs = NULL, oks = NULL`); err != nil {
		t.Fatal(err)
	}
	w.deliver("73.71", series("73.71", "central", 5, "-++++"))
	w.deliver("73.71", series("73.71", "internet", 5, "+++++"))
	w.clock.Set(at(10))
	w.drain()
	got := spans(w.outages(api.OutageFilter{Kind: "all"}))
	if want := []string{"73.71/central down 2..6 central"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("outages\n got  %q\n want %q", got, want)
	}
}

// Config.Now, not the scheduling clock, is the time detection judges
// against: a silence falls due by Now while the clock stands still.
func TestConfigNowJudgesSilence(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", append(series("73.71", "central", 0, "++++"), series("73.71", "internet", 0, "++++")...))
	sched := clock.NewManual(base)
	judge := at(20)
	det, err := detect.New(w.s.Detection(nil), detect.Config{Clock: sched, Now: func() time.Time { return judge },
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		n, err := det.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("RunOnce: %v", err)
		}
		if n == 0 {
			break
		}
	}
	w.clock.Set(judge)
	got := spans(w.outages(api.OutageFilter{Kind: "all", TargetKind: "central"}))
	if want := []string{"73.71/central unknown 3..open unknown"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("judged at check 20 with the clock at 0\n got  %q\n want %q", got, want)
	}
}

// No two spans of a series overlap: a write that would overlap a span
// already stored (here one no detector wrote) fails, and its transaction
// leaves nothing behind (migration 00029 moved the rule from a GiST
// exclusion constraint into the detector's write).
func TestOverlappingSpanRefused(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", append(series("73.71", "central", 0, "+++"), series("73.71", "internet", 0, "+++")...))
	w.clock.Set(at(3))
	w.drain()
	p := w.probes["73.71"]
	if _, err := w.s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
		VALUES ($1, $2, $3, $4, $5, 'down', 'recovery', 'central', 'central')`, p.OfficeCode, p.ID, w.targets["73.71"]["central"], at(1), at(5)); err != nil {
		t.Fatal(err)
	}
	w.deliver("73.71", append(series("73.71", "central", 3, "---"), series("73.71", "internet", 3, "+++")...))
	w.clock.Set(at(6))
	_, err := w.det.RunOnce(ctx)
	if err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Fatalf("RunOnce over an overlapping span: err %v, want the overlap refused", err)
	}
	got := spans(w.outages(api.OutageFilter{Kind: "all", TargetKind: "central"}))
	if want := []string{"73.71/central down 1..5 central"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("after the refused write\n got  %q\n want %q", got, want)
	}
}
