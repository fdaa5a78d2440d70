package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/probe"
)

// The agent's raw clock is stored beside the corrected observed_at, and an
// agent whose clock is off by more than a minute is flagged.
func TestLocalTimeStoredAndSkewedClockFlagged(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	p, _, ids := mustOffice(t, s)
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Microsecond)
	corrected := item(ids["central"], 1, at)
	corrected.Result.LocalAt = at.Add(-7 * time.Minute) // a PC seven minutes slow
	legacy := item(ids["central"], 2, at.Add(time.Second))
	if _, err := s.IngestResults(ctx, p, probe.AgentInfo{Version: "1.4.0", ClockOffsetMS: 7 * 60_000}, []api.IngestItem{corrected, legacy}); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	var local time.Time
	mustScan(t, s, `SELECT local_at FROM results WHERE seq = 1`, &local)
	if !local.Equal(corrected.Result.LocalAt) {
		t.Fatalf("local_at %v, want %v", local, corrected.Result.LocalAt)
	}
	var missing bool
	mustScan(t, s, `SELECT local_at IS NULL FROM results WHERE seq = 2`, &missing)
	if !missing {
		t.Fatal("an agent without local_at got one stored")
	}
	st, _, err := s.AgentStatuses(ctx, "73.71")
	if err != nil || len(st) != 1 || !st[0].ClockSkewed {
		t.Fatalf("statuses %+v, %v; want the probe flagged for a 7-minute offset", st, err)
	}
	if _, err := s.IngestResults(ctx, p, probe.AgentInfo{Version: "1.4.0", ClockOffsetMS: 900}, nil); err != nil {
		t.Fatal(err)
	}
	if st, _, _ = s.AgentStatuses(ctx, "73.71"); st[0].ClockSkewed {
		t.Fatalf("flagged at 0.9 s: %+v", st[0])
	}
}
