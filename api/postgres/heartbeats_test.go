package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/probe"
)

// TestHeartbeatsAreTheNewestChecksOfEachTarget: two probes of Makassar
// check its central target in turn over two days; the heartbeats are the
// newest n of them across both probes, oldest first, inside the window,
// and Kendari's checks never show among Makassar's.
func TestHeartbeatsAreTheNewestChecksOfEachTarget(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	mks, kdi := pgtest.Makassar(t, s), pgtest.Kendari(t, s)
	p1, _, err := s.CreateProbe(ctx, mks.Code, "utama")
	if err != nil {
		t.Fatal(err)
	}
	p2, _, err := s.CreateProbe(ctx, mks.Code, "cadangan")
	if err != nil {
		t.Fatal(err)
	}
	pk, _, err := s.CreateProbe(ctx, kdi.Code, "utama")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC)
	check := func(target api.Target, seq int, at time.Time, ok bool) api.IngestItem {
		r := probe.Result{Seq: uint64(seq), Target: target.Spec.Name, ObservedAt: at, OK: ok, LatencyMS: float64(seq)}
		if !ok {
			r.Failure = probe.FailTimeout
		}
		return api.IngestItem{TargetID: target.ID, Result: r}
	}
	var b1, b2, bk []api.IngestItem
	// A check every 5 minutes for two days, alternating probes; every
	// seventh fails. One check lies in the future (a probe's clock ahead):
	// not shown.
	for i := range 576 {
		at := now.Add(-time.Duration(575-i) * 5 * time.Minute)
		it := check(mks.Central, i+1, at, i%7 != 0)
		if i%2 == 0 {
			b1 = append(b1, it)
		} else {
			b2 = append(b2, it)
		}
		bk = append(bk, check(kdi.Central, i+1, at.Add(time.Minute), true))
	}
	b1 = append(b1, check(mks.Central, 9999, now.Add(time.Hour), true))
	for _, b := range []struct {
		p     api.Probe
		items []api.IngestItem
	}{{p1, b1}, {p2, b2}, {pk, bk}} {
		if _, err := s.IngestResults(ctx, b.p, probe.AgentInfo{}, b.items); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Heartbeats(ctx, mks.Code, now.Add(-24*time.Hour), now, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[mks.Internet.ID]) != 0 {
		t.Fatalf("targets with heartbeats: %d, want only central", len(got))
	}
	hs := got[mks.Central.ID]
	if len(hs) != 50 {
		t.Fatalf("%d heartbeats, want 50", len(hs))
	}
	for i, h := range hs {
		seq := 576 - 50 + 1 + i // the newest 50, oldest first
		want := now.Add(-time.Duration(576-seq) * 5 * time.Minute)
		if !h.ObservedAt.Equal(want) || h.LatencyMS != float64(seq) || h.OK != ((seq-1)%7 != 0) {
			t.Fatalf("heartbeat %d: %+v, want seq %d at %s", i, h, seq, want)
		}
		if wantProbe := map[bool]int64{true: p1.ID, false: p2.ID}[(seq-1)%2 == 0]; h.ProbeID != wantProbe {
			t.Fatalf("heartbeat %d from probe %d, want %d", i, h.ProbeID, wantProbe)
		}
		if !h.OK && h.Failure != "timeout" {
			t.Fatalf("failed heartbeat %d: failure %q", i, h.Failure)
		}
	}
	// A window with fewer checks than asked gives what there is.
	got, err = s.Heartbeats(ctx, mks.Code, now.Add(-12*time.Minute), now, 50)
	if err != nil || len(got[mks.Central.ID]) != 3 {
		t.Fatalf("short window: %d heartbeats, %v; want 3", len(got[mks.Central.ID]), err)
	}
	if _, err := s.Heartbeats(ctx, mks.Code, now.Add(-time.Hour), now, 0); api.ErrorField(err) != "n" {
		t.Fatalf("n = 0: %v, want an error naming n", err)
	}
}
