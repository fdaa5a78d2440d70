package faults

import (
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
)

// serverDown runs n real agents (spool on disk, uploader with backoff)
// checking loopback targets every interval, takes the server down for
// outage while they keep measuring, brings it back, stops the agents and
// checks every result arrived exactly once.
func serverDown(t *testing.T, n int, interval, outage time.Duration) {
	store := pgtest.Store(t)
	srv := newSwitchable(t, store)
	targets := localTargets(t)
	members := register(t, store, n, interval)
	agents := make([]*runningAgent, len(members))
	for i, m := range members {
		agents[i] = startAgent(t, m, srv.URL(), targets, interval, 0)
	}
	// Some results go through before the outage.
	waitFor(t, time.Minute, "first deliveries", func() bool {
		var rows int
		_ = store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM results`).Scan(&rows)
		return rows >= 2*n
	})
	srv.down()
	t.Logf("server down for %s with %d agents spooling", outage, n)
	deadline := time.Now().Add(outage)
	for time.Now().Before(deadline) {
		time.Sleep(min(time.Until(deadline), 10*time.Second))
		var depth int64
		for _, a := range agents {
			depth += a.spool.Stats().Depth
		}
		t.Logf("spooled so far: %d results", depth)
	}
	var spooled int64
	for _, a := range agents {
		spooled += a.spool.Stats().Depth
	}
	if spooled == 0 {
		t.Fatal("nothing was spooled while the server was down")
	}
	// What each agent had measured by the end of the outage.
	measured := make([]uint64, len(agents))
	for i, a := range agents {
		measured[i] = a.spool.Stats().LastSeq
	}
	srv.up()
	// The agents deliver while they run; one stopped mid-backoff keeps the
	// rest in its spool for its next start instead (by design), so wait
	// until each has delivered what it measured during the outage.
	waitFor(t, 2*time.Minute, "the outage's results delivered", func() bool {
		for i, a := range agents {
			st := a.spool.Stats()
			if st.LastSeq-uint64(st.Depth) < measured[i] {
				return false
			}
		}
		return true
	})
	for _, a := range agents {
		a.stop(t)
	}
	var total int64
	for _, a := range agents {
		total += mustStoredOnce(t, store, a)
	}
	t.Logf("%d results stored once, %d of them spooled through the outage", total, spooled)
}

func TestServerDownWhileAgentsSpoolThenEverythingOnce(t *testing.T) {
	t.Parallel()
	serverDown(t, 5, 100*time.Millisecond, 2*time.Second)
}
