package agent

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/spool"
)

func TestRunChecksSpoolsAndDrainsOnStop(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := newFakeIngest(t)
	sp, stop := runAgent(t, Config{
		Server: f.srv.URL, Token: "tok", Interval: 20 * time.Millisecond, Timeout: time.Second,
		Targets: []probe.Target{
			{Name: "central-tcp", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()},
			{Name: "internet-http", Kind: probe.KindInternet, Check: probe.CheckHTTP, Address: f.srv.URL + "/health"},
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	for len(f.storedSeqs()) < 10 {
		select {
		case <-f.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d results delivered", len(f.storedSeqs()))
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	st := sp.Stats()
	if st.Depth != 0 {
		t.Fatalf("spool depth %d after a clean stop, want 0", st.Depth)
	}
	assertContiguous(t, f.storedSeqs(), int(st.LastSeq))
	f.mu.Lock()
	defer f.mu.Unlock()
	byTarget := map[string]probe.Result{}
	for _, b := range f.batches {
		for _, r := range b.Results {
			byTarget[r.Target] = r
		}
	}
	// The fake ingest answers GET /health with 400: an http failure.
	if r := byTarget["central-tcp"]; !r.OK || r.ObservedAt.IsZero() {
		t.Fatalf("tcp result = %+v, want ok with a time", r)
	}
	if r := byTarget["internet-http"]; r.OK || r.Failure != probe.FailHTTP {
		t.Fatalf("http result = %+v, want http failure", r)
	}
}

func TestRunStopsDuringOutageAndKeepsResults(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := newFakeIngest(t)
	tried := make(chan struct{}, 1)
	f.script = func(w http.ResponseWriter, _ int, _ probe.Batch) bool {
		writeError(w, http.StatusInternalServerError, "internal", "down")
		select {
		case tried <- struct{}{}:
		default:
		}
		return true
	}
	sp, stop := runAgent(t, Config{
		Server: f.srv.URL, Token: "tok", Interval: 10 * time.Millisecond,
		BackoffMin: time.Hour, BackoffMax: time.Hour, ShutdownGrace: time.Hour,
		Targets: []probe.Target{{Name: "c", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()}},
	})
	select {
	case <-tried: // the uploader is now in an hour-long backoff
	case <-time.After(30 * time.Second):
		t.Fatal("no upload tried within 30 s")
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if st := sp.Stats(); st.Depth == 0 || st.Depth != int64(st.LastSeq) {
		t.Fatalf("spool %+v: want every result kept for the next start", st)
	}
}

// runAgent runs an agent with cfg over a fresh spool until stop, which
// cancels it and returns Run's error (failing the test if Run does not
// return within 30 s).
func runAgent(t *testing.T, cfg Config) (*spool.Spool, func() error) {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	a, err := New(cfg, sp)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return sp, func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return within 30 s of stop")
			return nil
		}
	}
}
