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
	dir := t.TempDir()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	a, err := New(Config{
		Server: f.srv.URL, Token: "tok", Interval: 20 * time.Millisecond, Timeout: time.Second,
		Targets: []probe.Target{
			{Name: "central-tcp", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()},
			{Name: "internet-http", Kind: probe.KindInternet, Check: probe.CheckHTTP, Address: f.srv.URL + "/health"},
		},
		Logger: slog.New(slog.DiscardHandler),
	}, sp)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	for len(f.storedSeqs()) < 10 {
		select {
		case <-f.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("only %d results delivered", len(f.storedSeqs()))
		}
	}
	cancel()
	if err := <-done; err != nil {
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
	dir := t.TempDir()
	sp, err := spool.Open(dir, spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	a, err := New(Config{
		Server: f.srv.URL, Token: "tok", Interval: 10 * time.Millisecond,
		BackoffMin: time.Hour, BackoffMax: time.Hour, ShutdownGrace: time.Hour,
		Targets: []probe.Target{{Name: "c", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()}},
	}, sp)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	<-tried // the uploader is now in an hour-long backoff
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return on stop while backing off")
	}
	if st := sp.Stats(); st.Depth == 0 || st.Depth != int64(st.LastSeq) {
		t.Fatalf("spool %+v: want every result kept for the next start", st)
	}
}
