package agent

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/pantau-id/pantau/probe"
)

// poisonServer makes f answer 500 to any batch holding a result for the
// target "poison", as the server once did for a NUL byte (issue 13).
func poisonServer(f *fakeIngest) {
	f.script = func(w http.ResponseWriter, _ int, b probe.Batch) bool {
		for _, r := range b.Results {
			if r.Target == "poison" {
				writeError(w, http.StatusInternalServerError, "internal", "internal error")
				return true
			}
		}
		return false
	}
}

// spoolTargets spools one result per name.
func spoolTargets(a *Agent, names ...string) {
	for _, n := range names {
		a.spoolResults(context.Background(), []probe.Result{{Target: n, OK: true}})
	}
}

func TestPoisonResultIsIsolatedDroppedAndCounted(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	poisonServer(f)
	a := newTestAgent(t, f, 0, nil) // batches of 10
	names := make([]string, 25)
	for i := range names {
		names[i] = "ok"
	}
	names[12] = "poison" // seq 13
	spoolTargets(a, names...)
	drain(t, a)
	want := slices.DeleteFunc(seqRange(1, 25), func(s uint64) bool { return s == 13 })
	if got := f.storedSeqs(); !slices.Equal(got, want) {
		t.Fatalf("stored %v, want every seq but 13", got)
	}
	if d := a.Info().Dropped; d != 1 {
		t.Fatalf("agent reports %d dropped, want 1", d)
	}
	// The drop reaches the server in the health report of later batches.
	spoolTargets(a, "ok")
	drain(t, a)
	f.mu.Lock()
	last := f.batches[len(f.batches)-1]
	f.mu.Unlock()
	if last.Agent.Dropped != 1 {
		t.Fatalf("batch after the drop reports dropped=%d, want 1", last.Agent.Dropped)
	}
}

// A server that refuses everything (ready, but broken) must not make the
// agent drop its results one by one.
func TestServerRefusingEverythingDropsNothing(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.script = func(w http.ResponseWriter, _ int, _ probe.Batch) bool {
		writeError(w, http.StatusInternalServerError, "internal", "bug")
		return true
	}
	a := newTestAgent(t, f, 12, nil)
	for range 60 {
		if _, _, err := a.uploadOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if st := a.spool.Stats(); st.Dropped != 0 || st.Depth != 12 {
		t.Fatalf("spool %+v after 60 refusals, want all 12 kept, none dropped", st)
	}
}

// While the server says it is not ready (its database is down) a refused
// batch is nobody's fault: no split, no drop.
func TestRefusalWhileServerNotReadyIsNoSplit(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	poisonServer(f)
	f.notReady = true
	a := newTestAgent(t, f, 0, nil)
	spoolTargets(a, "poison", "ok", "ok")
	for range 20 {
		if _, _, err := a.uploadOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if st := a.spool.Stats(); st.Dropped != 0 || a.up.limit != 10 {
		t.Fatalf("dropped %d, batch size %d while the server was not ready; want 0 and 10", st.Dropped, a.up.limit)
	}
	f.mu.Lock()
	f.notReady = false
	f.mu.Unlock()
	drain(t, a)
	if got := f.storedSeqs(); !slices.Equal(got, []uint64{2, 3}) || a.Info().Dropped != 1 {
		t.Fatalf("stored %v, dropped %d once ready; want [2 3] and 1", got, a.Info().Dropped)
	}
}

func seqRange(from, to uint64) []uint64 {
	var s []uint64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}
