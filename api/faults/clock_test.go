package faults

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
)

// TestProbeClockTenMinutesOffEitherWay runs real agents whose clocks are 10
// minutes ahead and behind. Both are inside the server's 15-minute future
// tolerance, so every result is stored with the probe's own time (detection
// runs on event time), and each agent's offset to the server, measured from
// the Date header, is recorded so the office page can show it.
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
		var first, last time.Time
		var offset int64
		err := store.Pool().QueryRow(context.Background(), `SELECT min(observed_at), max(observed_at),
				(SELECT clock_offset_ms FROM probes WHERE office_code = $1 AND id = $2)
			FROM results WHERE office_code = $1 AND probe_id = $2`, a.member.Office.Code, a.member.ProbeID).Scan(&first, &last, &offset)
		if err != nil {
			t.Fatal(err)
		}
		// Observations carry the probe's clock: inside the run, shifted by the skew.
		lo, hi := started.Add(skews[i]-time.Second), stopped.Add(skews[i]+time.Second)
		if first.Before(lo) || last.After(hi) {
			t.Fatalf("skew %s: observed %s..%s, want within %s..%s", skews[i], first, last, lo, hi)
		}
		// The agent reports the server's clock minus its own: the opposite sign.
		want := -skews[i].Milliseconds()
		if d := offset - want; d < -2000 || d > 2000 {
			t.Fatalf("skew %s: recorded clock offset %d ms, want %d ± 2000", skews[i], offset, want)
		}
	}
}
