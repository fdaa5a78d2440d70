package faults

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/api/sim"
	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/agent"
	"github.com/pantau-id/pantau/probe/spool"
)

// switchable is the Pantau server on a fixed loopback port that a test can
// take down (connections refused, as when the machine is off) and bring back.
type switchable struct {
	t       *testing.T
	addr    string
	handler http.Handler
	mu      sync.Mutex
	srv     *http.Server
}

func newSwitchable(t *testing.T, store *postgres.Store) *switchable {
	t.Helper()
	reg := prometheus.NewRegistry()
	s := &switchable{t: t, handler: server.New(server.Config{}, store, slog.New(slog.DiscardHandler), reg, reg)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.down)
	return s
}

func (s *switchable) URL() string { return "http://" + s.addr }

func (s *switchable) serve(ln net.Listener) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv = &http.Server{Handler: s.handler, ReadHeaderTimeout: 5 * time.Second}
	go func(srv *http.Server) { _ = srv.Serve(ln) }(s.srv)
}

// down closes the listener and every connection at once.
func (s *switchable) down() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.srv != nil {
		_ = s.srv.Close()
		s.srv = nil
	}
}

// up listens on the same port again (bounded retries while the port frees).
func (s *switchable) up() {
	s.t.Helper()
	var err error
	for range 50 {
		var ln net.Listener
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			s.serve(ln)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("listen again on %s: %v", s.addr, err)
}

// localTargets are loopback listeners standing in for the central registry
// and the internet reference, under the simulated targets' names.
func localTargets(t *testing.T) []probe.Target {
	t.Helper()
	var out []probe.Target
	for _, name := range []string{sim.CentralTarget, sim.InternetTarget} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("listen: %v", err)
		}
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				_ = c.Close()
			}
		}()
		t.Cleanup(func() { _ = ln.Close() })
		kind := probe.KindCentral
		if name == sim.InternetTarget {
			kind = probe.KindInternet
		}
		out = append(out, probe.Target{Name: name, Kind: kind, Check: probe.CheckTCP, Address: ln.Addr().String(), Timeout: probe.Duration(time.Second)})
	}
	return out
}

// skewedClock is the wall clock off by a fixed amount: the office PC's.
type skewedClock struct{ off time.Duration }

func (c skewedClock) Now() time.Time                         { return time.Now().Add(c.off) }
func (c skewedClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// runningAgent is a real probe agent with its spool on disk.
type runningAgent struct {
	member sim.Member
	spool  *spool.Spool
	cancel context.CancelFunc
	done   chan error
}

func startAgent(t *testing.T, m sim.Member, serverURL string, targets []probe.Target, interval, skew time.Duration) *runningAgent {
	t.Helper()
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	a, err := agent.New(agent.Config{Server: serverURL, Token: m.Token, Interval: interval, Targets: targets,
		BackoffMin: 50 * time.Millisecond, BackoffMax: 500 * time.Millisecond, ShutdownGrace: 20 * time.Second,
		Clock: skewedClock{skew}, Logger: slog.New(slog.DiscardHandler)}, sp)
	if err != nil {
		t.Fatalf("new agent: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ra := &runningAgent{member: m, spool: sp, cancel: cancel, done: make(chan error, 1)}
	go func() { ra.done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-ra.done:
		case <-time.After(time.Minute): // ShutdownGrace is 20 s
			t.Error("agent did not stop within a minute")
		}
	})
	return ra
}

// stop ends the agent's checks and waits while it delivers what it spooled.
func (ra *runningAgent) stop(t *testing.T) {
	t.Helper()
	ra.cancel()
	select {
	case err := <-ra.done:
		if err != nil {
			t.Fatalf("agent run: %v", err)
		}
		ra.done <- nil // for the cleanup
	case <-time.After(time.Minute):
		t.Fatal("agent did not stop within a minute")
	}
}

// mustStoredOnce checks that every result the agent measured is stored,
// once: the count and the highest seq both equal its spool's last seq.
func mustStoredOnce(t *testing.T, store *postgres.Store, ra *runningAgent) int64 {
	t.Helper()
	st := ra.spool.Stats()
	var n, maxSeq, distinct int64
	err := store.Pool().QueryRow(context.Background(), `SELECT count(*), coalesce(max(seq), 0), count(DISTINCT seq) FROM results
		WHERE office_code = $1 AND probe_id = $2`, ra.member.Office.Code, ra.member.ProbeID).Scan(&n, &maxSeq, &distinct)
	if err != nil {
		t.Fatalf("count results: %v", err)
	}
	if st.LastSeq == 0 || st.Depth != 0 || st.Dropped != 0 || n != int64(st.LastSeq) || maxSeq != int64(st.LastSeq) || distinct != n {
		t.Fatalf("probe %d: spool last seq %d depth %d dropped %d; server holds %d rows (%d distinct, max seq %d)",
			ra.member.ProbeID, st.LastSeq, st.Depth, st.Dropped, n, distinct, maxSeq)
	}
	return n
}

// waitFor polls cond every 50 ms for at most d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// register makes n simulated probes on store.
func register(t *testing.T, store *postgres.Store, n int, interval time.Duration) []sim.Member {
	t.Helper()
	provinces := []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}
	offices := []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.73", Name: "Kota Palopo", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	}
	ms, err := sim.Register(context.Background(), store, provinces, offices, sim.RegisterConfig{Probes: n, Interval: interval, RunID: "faults"})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return ms
}
