package agent

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

func TestClockOffsetSmoothsAndTakesJumps(t *testing.T) {
	t.Parallel()
	var c clockOffset
	if _, ok := c.get(); ok {
		t.Fatal("offset known before any sample")
	}
	steps := []struct {
		sample, want time.Duration
	}{
		{10 * time.Second, 10 * time.Second},   // first sample as is
		{14 * time.Second, 11 * time.Second},   // a quarter of the way
		{11 * time.Second, 11 * time.Second},   // agrees
		{10 * time.Minute, 10 * time.Minute},   // the clock was set: taken at once
		{-10 * time.Minute, -10 * time.Minute}, // and back
		{-10*time.Minute + 4*time.Second, -10*time.Minute + time.Second},
	}
	for i, s := range steps {
		if got, _ := c.note(s.sample); got != s.want {
			t.Fatalf("step %d: sample %v gave %v, want %v", i, s.sample, got, s.want)
		}
	}
}

func TestCorrectKeepsLocalTimeBeside(t *testing.T) {
	t.Parallel()
	local := time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		off  *time.Duration
		want time.Time
	}{
		{"offset unknown: local time", nil, local},
		{"within the Date header's noise: left alone", ptr(800 * time.Millisecond), local},
		{"seven minutes behind: corrected", ptr(7 * time.Minute), local.Add(7 * time.Minute)},
		{"a day ahead: corrected", ptr(-24 * time.Hour), local.Add(-24 * time.Hour)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c clockOffset
			if tc.off != nil {
				c.note(*tc.off)
			}
			r := probe.Result{ObservedAt: local}
			c.correct(&r)
			if !r.ObservedAt.Equal(tc.want) || !r.LocalAt.Equal(local) {
				t.Fatalf("observed_at %v, local_at %v; want %v and %v", r.ObservedAt, r.LocalAt, tc.want, local)
			}
		})
	}
}

// End to end through the uploader: the server's Date says its clock is an
// hour ahead; results measured after that carry the server's time, with
// the local time beside it, and the agent reports the offset.
func TestResultsCarryServerCorrectedTime(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.date = time.Now().Add(time.Hour)
	a := newTestAgent(t, f, 1, nil) // spooled before any contact: local time
	drain(t, a)
	before := time.Now()
	a.spoolResults(context.Background(), []probe.Result{{Target: "t0", OK: true, ObservedAt: before.UTC()}})
	drain(t, a)
	f.mu.Lock()
	first, second := f.batches[0].Results[0], f.batches[1].Results[0]
	reported := f.batches[1].Agent.ClockOffsetMS
	f.mu.Unlock()
	if !first.ObservedAt.Equal(first.LocalAt) {
		t.Fatalf("result before any contact: observed_at %v, local_at %v; want equal", first.ObservedAt, first.LocalAt)
	}
	shift := second.ObservedAt.Sub(second.LocalAt)
	if shift < time.Hour-2*time.Second || shift > time.Hour+2*time.Second || !second.LocalAt.Equal(before.UTC()) {
		t.Fatalf("corrected result: observed_at %v, local_at %v (shift %v); want local time kept and about +1h",
			second.ObservedAt, second.LocalAt, shift)
	}
	if d := time.Duration(reported) * time.Millisecond; (d - shift).Abs() > time.Millisecond {
		t.Fatalf("reported offset %v, applied %v: want the same", d, shift)
	}
}

func ptr(d time.Duration) *time.Duration { return &d }
