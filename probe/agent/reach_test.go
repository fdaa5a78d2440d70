package agent

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// flakyServer serves f's handler on one loopback address that can be taken
// down and brought back, as a link or a server that goes away does.
type flakyServer struct {
	t    *testing.T
	addr string
	h    http.Handler
	mu   sync.Mutex
	srv  *http.Server
}

func (s *flakyServer) up() {
	s.t.Helper()
	addr := s.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.t.Fatalf("listen %s: %v", addr, err)
	}
	s.addr = ln.Addr().String()
	srv := &http.Server{Handler: s.h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.t.Errorf("serve: %v", err)
		}
	}()
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
}

func (s *flakyServer) down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close() // listener and every connection
		s.srv = nil
	}
}

// logWatch is a slog handler that signals each record with a given message.
type logWatch struct {
	msg string
	hit chan struct{}
}

func (l *logWatch) Enabled(context.Context, slog.Level) bool { return true }
func (l *logWatch) Handle(_ context.Context, r slog.Record) error {
	if r.Message == l.msg {
		select {
		case l.hit <- struct{}{}:
		default:
		}
	}
	return nil
}
func (l *logWatch) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logWatch) WithGroup(string) slog.Handler      { return l }

// The uploader is in an hour-long backoff when the server comes back: it
// must notice through its reach checks and deliver within seconds, not
// after the hour (issue 11: at most 30 s after the link returns).
func TestBackoffEndsWhenServerAnswersAgain(t *testing.T) {
	t.Parallel()
	target, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = target.Close() })
	f := newFakeIngest(t)
	fs := &flakyServer{t: t, h: http.HandlerFunc(f.serve)}
	fs.up()
	t.Cleanup(fs.down)
	failed := &logWatch{msg: "delivery failed, will retry", hit: make(chan struct{}, 1)}
	sp, stop := runAgent(t, Config{
		Server: "http://" + fs.addr, Token: "tok", Interval: 20 * time.Millisecond,
		BackoffMin: time.Hour, BackoffMax: time.Hour, ReachCheck: 200 * time.Millisecond,
		Targets: []probe.Target{{Name: "c", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: target.Addr().String()}},
		Logger:  slog.New(failed),
	})
	defer func() { _ = stop() }()
	waitFor(t, "first results delivered", func() bool { return len(f.storedSeqs()) > 0 })

	fs.down()
	select {
	case <-failed.hit: // now backing off for about an hour
	case <-time.After(30 * time.Second):
		t.Fatal("no failed delivery within 30 s of the server going down")
	}
	// Results observed after the failure cannot have been delivered before
	// the server comes back (the failed batch itself may have been stored
	// before its answer was cut), so the backlog to wait for lies past them.
	backlog := sp.Stats().LastSeq + 3
	waitFor(t, "results spooled while the server is down", func() bool { return sp.Stats().LastSeq >= backlog })
	fs.up() // same address
	waitFor(t, "the backlog delivered after the server came back", func() bool {
		s := f.storedSeqs()
		return len(s) > 0 && s[len(s)-1] >= backlog
	})
	assertContiguous(t, f.storedSeqs()[:backlog], int(backlog))
	f.mu.Lock()
	checks := f.readyChecks
	f.mu.Unlock()
	if checks == 0 {
		t.Fatal("delivered without a reach check: the backoff was not the hour it should have been")
	}
}

// waitFor polls cond every 20 ms for up to 20 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
