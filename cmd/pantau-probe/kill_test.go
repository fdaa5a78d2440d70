//go:build unix

package main

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/spool"
)

// sink is a loopback ingest server that stores each (seq) once, as the real
// server does on (probe, seq), and counts re-deliveries.
type sink struct {
	mu       sync.Mutex
	stored   map[uint64]int
	received int
	got      chan struct{}
}

func (s *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b probe.Batch
	zr, err := gzip.NewReader(r.Body)
	if err == nil {
		err = json.NewDecoder(zr).Decode(&b)
	}
	if err != nil || r.Header.Get("Authorization") != "Bearer kill-test" {
		http.Error(w, `{"error":{"code":"invalid","message":"bad batch"}}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	resp := probe.BatchResponse{Rejected: []probe.Rejection{}}
	for _, res := range b.Results {
		s.received++
		if s.stored[res.Seq]++; s.stored[res.Seq] == 1 {
			resp.Accepted++
		} else {
			resp.Duplicates++
		}
	}
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(resp)
	select {
	case s.got <- struct{}{}:
	default:
	}
}

func (s *sink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.stored)
}

// buildProbe compiles the real binary into a temporary directory.
func buildProbe(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	bin := filepath.Join(t.TempDir(), "pantau-probe")
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// TestSurvivesKill9 kills the real agent with SIGKILL several times while it
// checks and uploads, restarts it on the same spool, and at the end finds
// every seq 1..N stored exactly once: nothing lost, nothing doubled.
func TestSurvivesKill9(t *testing.T) {
	t.Parallel()
	bin := buildProbe(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	s := &sink{stored: map[uint64]int{}, got: make(chan struct{}, 1)}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	spoolDir := filepath.Join(dir, "spool")
	cfg := writeConfig(t, fmt.Sprintf(`
server: %s
token: kill-test
interval: 15ms
timeout: 1s
batch_size: 7
upload_delay: 5ms
spool_dir: %s
log_level: warn
targets:
  - {name: central-a, kind: central, check: tcp, address: "%[3]s"}
  - {name: central-b, kind: central, check: tcp, address: "%[3]s"}
  - {name: internet, kind: internet, check: tcp, address: "%[3]s"}
`, srv.URL, spoolDir, ln.Addr().String()))

	start := func() *exec.Cmd {
		// Killed when the test ends or after 5 minutes, so that no Wait
		// below can hang.
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		t.Cleanup(cancel)
		cmd := exec.CommandContext(ctx, bin, "run", "--config", cfg)
		cmd.WaitDelay = 10 * time.Second
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start: %v", err)
		}
		return cmd
	}
	waitFor := func(n int) {
		deadline := time.After(20 * time.Second)
		for s.count() < n {
			select {
			case <-s.got:
			case <-deadline:
				t.Fatalf("server has %d results, waited for %d", s.count(), n)
			}
		}
	}
	const kills = 5
	for i := range kills {
		cmd := start()
		waitFor(s.count() + 12)
		// Kill at a random moment within the next check round, mid-write or
		// mid-upload as it falls.
		time.Sleep(time.Duration(rand.N(15)) * time.Millisecond)
		if err := cmd.Process.Kill(); err != nil {
			t.Fatalf("kill %d: %v", i, err)
		}
		_ = cmd.Wait()
	}
	cmd := start()
	waitFor(s.count() + 12)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("sigterm: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("agent exit after SIGTERM: %v", err)
	}

	sp, err := spool.Open(spoolDir, spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	defer func() { _ = sp.Close() }()
	st := sp.Stats()
	if st.Depth != 0 || st.Dropped != 0 {
		t.Fatalf("spool after drain: %+v, want empty and nothing dropped", st)
	}
	ctx := context.Background()
	if recs, _ := sp.Read(ctx, 1); len(recs) != 0 {
		t.Fatalf("undelivered record seq %d left", recs[0].Seq)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := st.LastSeq
	if uint64(len(s.stored)) != n {
		t.Fatalf("server stored %d distinct seqs, agent assigned 1..%d", len(s.stored), n)
	}
	for seq := uint64(1); seq <= n; seq++ {
		if s.stored[seq] == 0 {
			t.Fatalf("seq %d lost (of 1..%d)", seq, n)
		}
	}
	t.Logf("%d results over %d kills, %d deliveries (%d re-deliveries deduplicated)", n, kills, s.received, s.received-int(n))
}
