package faults

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
)

// TestProbeClockTenMinutesOffEitherWay runs real agents whose clocks are 10
// minutes ahead and behind. Each measures its offset from the server's Date
// header and sends observed_at on the server's clock with its own clock
// beside it (local_at); the offset is recorded so the office page can show
// it (issue 16).
func TestProbeClockTenMinutesOffEitherWay(t *testing.T) {
	t.Parallel()
	store := pgtest.Store(t)
	srv := newSwitchable(t, store)
	targets := localTargets(t)
	members := register(t, store, 2, 100*time.Millisecond)
	skews := []time.Duration{10 * time.Minute, -10 * time.Minute}
	agents := make([]*runningAgent, 2)
	started := time.Now()
	for i, m := range members {
		agents[i] = startAgent(t, m, srv.URL(), targets, 100*time.Millisecond, skews[i])
	}
	// An agent reports the offset it measured with its next batch, so wait
	// for both to have reported one (its size is checked below).
	waitFor(t, time.Minute, "results and a clock offset from both probes", func() bool {
		var probes, offsets int
		_ = store.Pool().QueryRow(t.Context(), `SELECT count(DISTINCT probe_id) FROM results`).Scan(&probes)
		_ = store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM probes WHERE clock_offset_ms <> 0`).Scan(&offsets)
		return probes == 2 && offsets == 2
	})
	for _, a := range agents {
		a.stop(t)
	}
	stopped := time.Now()
	for i, a := range agents {
		mustStoredOnce(t, store, a)
		var offset int64
		if err := store.Pool().QueryRow(context.Background(), `SELECT clock_offset_ms FROM probes WHERE office_code = $1 AND id = $2`,
			a.member.Office.Code, a.member.ProbeID).Scan(&offset); err != nil {
			t.Fatal(err)
		}
		// local_at is the probe's own clock, shifted by the skew. observed_at
		// is on the server's clock once the agent has measured the offset;
		// only results spooled before its first answer carry the local time.
		rows, err := store.Pool().Query(context.Background(), `SELECT seq, observed_at, local_at FROM results
			WHERE office_code = $1 AND probe_id = $2 ORDER BY seq`, a.member.Office.Code, a.member.ProbeID)
		if err != nil {
			t.Fatal(err)
		}
		corrected := 0
		for rows.Next() {
			var seq int64
			var observed, local time.Time
			if err := rows.Scan(&seq, &observed, &local); err != nil {
				t.Fatal(err)
			}
			if local.Before(started.Add(skews[i]-time.Second)) || local.After(stopped.Add(skews[i]+time.Second)) {
				t.Fatalf("skew %s: seq %d local_at %s, want within the run shifted by the skew", skews[i], seq, local)
			}
			switch {
			case observed.Equal(local) && corrected == 0: // before the first answer
			case observed.Before(started.Add(-2*time.Second)) || observed.After(stopped.Add(2*time.Second)):
				t.Fatalf("skew %s: seq %d observed_at %s (local %s), want on the server's clock within %s..%s",
					skews[i], seq, observed, local, started, stopped)
			default:
				corrected++
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if corrected == 0 {
			t.Fatalf("skew %s: no result corrected onto the server's clock", skews[i])
		}
		// The agent reports the server's clock minus its own: the opposite sign.
		want := -skews[i].Milliseconds()
		if d := offset - want; d < -2000 || d > 2000 {
			t.Fatalf("skew %s: recorded clock offset %d ms, want %d ± 2000", skews[i], offset, want)
		}
	}
}
