package agent

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/spool"
)

// fakeClock fires every wait at once and records how long it was asked to
// wait, so backoff and Retry-After are asserted without sleeping.
type fakeClock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time { return time.Now() }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	c.waits = append(c.waits, d)
	c.mu.Unlock()
	ch := make(chan time.Time, 1)
	ch <- time.Now()
	return ch
}

// newTestAgent returns an agent posting to f with n results spooled.
func newTestAgent(t *testing.T, f *fakeIngest, n int, mod func(*Config)) *Agent {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	cfg := Config{
		Server: f.srv.URL, Token: "tok-123", BatchSize: 10, Version: "1.2.3",
		BackoffMin: 100 * time.Millisecond, BackoffMax: time.Second, AuthRetry: 5 * time.Minute,
		Clock: &fakeClock{}, Logger: slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&cfg)
	}
	a, err := New(cfg, sp)
	if err != nil {
		t.Fatalf("new agent: %v", err)
	}
	for i := range n {
		a.spoolResults(context.Background(), []probe.Result{{Target: fmt.Sprintf("t%d", i%3), OK: true, ObservedAt: time.Now().UTC()}})
	}
	return a
}

// drain runs uploadOnce until the spool is empty, returning each wait.
func drain(t *testing.T, a *Agent) []time.Duration {
	t.Helper()
	var waits []time.Duration
	for i := 0; a.spool.Stats().Depth > 0; i++ {
		if i > 100 {
			t.Fatalf("spool not drained after 100 attempts, depth %d", a.spool.Stats().Depth)
		}
		_, wait, err := a.uploadOnce(context.Background())
		if err != nil {
			t.Fatalf("uploadOnce: %v", err)
		}
		waits = append(waits, wait)
	}
	return waits
}

// assertContiguous checks that seqs are exactly 1..n in order.
func assertContiguous(t *testing.T, seqs []uint64, n int) {
	t.Helper()
	if len(seqs) != n {
		t.Fatalf("server stored %d results, want %d: %v", len(seqs), n, seqs)
	}
	for i, s := range seqs {
		if s != uint64(i+1) {
			t.Fatalf("stored seqs %v, want 1..%d in order", seqs, n)
		}
	}
}

func TestUploadRequestFormat(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.date = time.Now().Add(time.Hour)
	a := newTestAgent(t, f, 3, nil)
	drain(t, a)
	assertContiguous(t, f.storedSeqs(), 3)
	r := f.requests[0]
	if got := r.Header.Get("Authorization"); got != "Bearer tok-123" {
		t.Fatalf("Authorization = %q", got)
	}
	if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("request %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
	}
	info := f.batches[0].Agent
	if info.Version != "1.2.3" || info.OS != runtime.GOOS || info.Arch != runtime.GOARCH || info.SpoolDepth != 3 {
		t.Fatalf("agent info = %+v", info)
	}
	if off := a.Info().ClockOffsetMS; off < 3600_000-1500 || off > 3600_000+1500 {
		t.Fatalf("clock offset %d ms, want about +3600000", off)
	}
	if res := f.batches[0].Results[1]; res.Seq != 2 || res.Target != "t1" || !res.OK {
		t.Fatalf("second result = %+v", res)
	}
}

func TestUploadServerDownThenBack(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.script = func(w http.ResponseWriter, n int, _ probe.Batch) bool {
		switch {
		case n <= 3:
			dropConnection(w)
			return true
		case n <= 5:
			writeError(w, http.StatusInternalServerError, "internal", "database down")
			return true
		}
		return false
	}
	a := newTestAgent(t, f, 25, nil)
	waits := drain(t, a)
	assertContiguous(t, f.storedSeqs(), 25)
	// Five failures, each backed off exponentially with jitter, then three
	// batches (10, 10, 5) sent back to back.
	wantMax := []time.Duration{100, 200, 400, 800, 1000}
	for i, max := range wantMax {
		max *= time.Millisecond
		if waits[i] < max/2 || waits[i] > max {
			t.Fatalf("wait %d = %v, want within [%v, %v]; all %v", i, waits[i], max/2, max, waits)
		}
	}
	for _, w := range waits[5:] {
		if w != 0 {
			t.Fatalf("waited %v after the server came back: %v", w, waits)
		}
	}
}

func TestUploadLostResponseRedelivers(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.storeFirst = true
	f.script = func(w http.ResponseWriter, n int, _ probe.Batch) bool {
		if n == 2 {
			dropConnection(w) // stored, but the agent never hears
			return true
		}
		return false
	}
	a := newTestAgent(t, f, 20, nil)
	drain(t, a)
	assertContiguous(t, f.storedSeqs(), 20)
	if len(f.batches) != 3 || f.batches[1].Results[0].Seq != 11 || f.batches[2].Results[0].Seq != 11 {
		t.Fatalf("want batch 11..20 sent twice, got %d batches", len(f.batches))
	}
	for seq, n := range f.seen {
		if seq >= 11 && n != 2 || seq < 11 && n != 1 {
			t.Fatalf("seq %d seen %d times", seq, n)
		}
	}
}

func TestUploadRetryAfter(t *testing.T) {
	t.Parallel()
	at := time.Now().Add(90 * time.Second).UTC()
	f := newFakeIngest(t)
	f.script = func(w http.ResponseWriter, n int, _ probe.Batch) bool {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "7")
			writeError(w, http.StatusTooManyRequests, "rate_limited", "slow down")
			return true
		case 2:
			w.Header().Set("Retry-After", at.Format(http.TimeFormat))
			writeError(w, http.StatusServiceUnavailable, "unavailable", "maintenance")
			return true
		}
		return false
	}
	a := newTestAgent(t, f, 5, nil)
	waits := drain(t, a)
	assertContiguous(t, f.storedSeqs(), 5)
	if waits[0] != 7*time.Second {
		t.Fatalf("after Retry-After: 7 waited %v", waits[0])
	}
	if waits[1] < 85*time.Second || waits[1] > 90*time.Second {
		t.Fatalf("after Retry-After date 90 s ahead waited %v", waits[1])
	}
}

func TestUploadTooLargeSplitsAndRejectionsDoNotBlock(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.reject[4] = "office has no target"
	f.script = func(w http.ResponseWriter, _ int, b probe.Batch) bool {
		if len(b.Results) > 3 {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "body too large")
			return true
		}
		if b.Results[0].Seq == 9 && len(b.Results) == 1 {
			writeError(w, http.StatusRequestEntityTooLarge, "too_large", "result too large")
			return true
		}
		if b.Results[0].Seq == 9 {
			writeError(w, http.StatusBadRequest, "invalid", "too many results in one batch")
			return true
		}
		return false
	}
	a := newTestAgent(t, f, 12, nil)
	drain(t, a)
	got := f.storedSeqs()
	want := []uint64{1, 2, 3, 5, 6, 7, 8, 10, 11, 12}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("stored %v, want %v (4 rejected, 9 too large alone)", got, want)
	}
	if st := a.spool.Stats(); st.Depth != 0 {
		t.Fatalf("spool depth %d after rejections, want 0", st.Depth)
	}
}

func TestUploadBadRequestOnOneResultKeepsIt(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	f.script = func(w http.ResponseWriter, n int, _ probe.Batch) bool {
		if n <= 2 {
			writeError(w, http.StatusBadRequest, "invalid", "body: not a JSON batch")
			return true
		}
		return false
	}
	a := newTestAgent(t, f, 1, nil)
	waits := drain(t, a)
	assertContiguous(t, f.storedSeqs(), 1)
	if len(waits) != 3 || waits[0] == 0 || waits[1] == 0 {
		t.Fatalf("waits %v: want a backoff after each 400, then delivery", waits)
	}
}

func TestUploadAuthRefusedKeepsSpool(t *testing.T) {
	t.Parallel()
	f := newFakeIngest(t)
	refuse := true
	f.script = func(w http.ResponseWriter, _ int, _ probe.Batch) bool {
		if refuse {
			writeError(w, http.StatusUnauthorized, "unauthorized", "unknown token")
		}
		return refuse
	}
	a := newTestAgent(t, f, 4, nil)
	for range 2 {
		_, wait, err := a.uploadOnce(context.Background())
		if err != nil || wait != 5*time.Minute {
			t.Fatalf("after 401: wait %v err %v, want the slow 5m retry", wait, err)
		}
	}
	if d := a.spool.Stats().Depth; d != 4 {
		t.Fatalf("depth %d after 401, want all 4 kept", d)
	}
	f.mu.Lock()
	refuse = false
	f.mu.Unlock()
	drain(t, a)
	assertContiguous(t, f.storedSeqs(), 4)
}
