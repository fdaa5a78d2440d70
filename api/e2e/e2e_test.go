package e2e

import (
	"context"
	"fmt"
	"log/slog"
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

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// buildAgent compiles the real pantau-probe once per test binary.
var buildAgent = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pantau-e2e-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pantau-probe")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/pantau-id/pantau/cmd/pantau-probe").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build pantau-probe: %v: %s", err, out)
	}
	return bin, nil
})

// rig is one office with a real server in front of a fresh database.
type rig struct {
	t     *testing.T
	store *postgres.Store
	token string
	addr  string
	srv   *http.Server
	dir   string
}

func newRig(t *testing.T) *rig {
	t.Helper()
	ctx := context.Background()
	store := pgtest.Store(t)
	err := store.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	central, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { central.Close() })
	go func() {
		for {
			c, err := central.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "ok") }))
	t.Cleanup(web.Close)
	for _, spec := range []probe.Target{
		{Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: central.Addr().String()},
		{Name: "internet", Kind: probe.KindInternet, Check: probe.CheckHTTP, Address: web.URL},
	} {
		if _, err := store.CreateTarget(ctx, api.Target{OfficeCode: "73.71", Spec: spec}); err != nil {
			t.Fatal(err)
		}
	}
	_, token, err := store.CreateProbe(ctx, "73.71", "e2e")
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, store: store, token: token, dir: t.TempDir()}
	r.startServer()
	t.Cleanup(r.stopServer)
	return r
}

func (r *rig) startServer() {
	r.t.Helper()
	addr := r.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	var ln net.Listener
	var err error
	// The port of a closed listener is free again at once on loopback, but retry briefly.
	for range 50 {
		if ln, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("listen: %v", err)
	}
	r.addr = ln.Addr().String()
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{}, r.store, slog.New(slog.DiscardHandler), reg, reg)
	r.srv = &http.Server{Handler: h}
	go r.srv.Serve(ln)
}

func (r *rig) stopServer() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// startAgent runs the real agent binary with a fast schedule.
func (r *rig) startAgent() *exec.Cmd {
	r.t.Helper()
	bin, err := buildAgent()
	if err != nil {
		r.t.Fatal(err)
	}
	cfg := fmt.Sprintf(`server: http://%s
token: %s
interval: 25ms
timeout: 1s
spool_dir: %s
batch_size: 50
log_level: warn
targets:
  - {name: central, kind: central, check: tcp, address: "%s"}
`, r.addr, r.token, filepath.Join(r.dir, "spool"), "127.0.0.1:1")
	path := filepath.Join(r.dir, "agent.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		r.t.Fatal(err)
	}
	cmd := agentCommand(r.t, bin, "run", "--config", path)
	cmd.Stderr = &prefixWriter{t: r.t}
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	return cmd
}

// stored returns how many results the server holds and their largest seq.
func (r *rig) stored() (count, maxSeq int64) {
	r.t.Helper()
	err := r.store.Pool().QueryRow(context.Background(), `SELECT count(*), coalesce(max(seq), 0) FROM results`).Scan(&count, &maxSeq)
	if err != nil {
		r.t.Fatal(err)
	}
	return count, maxSeq
}

// buildTimeout bounds compiling the agent, from a cold cache on a loaded
// machine included.
const buildTimeout = 10 * time.Minute

// agentCommand is the agent binary run for one test: killed when the test
// ends or after 10 minutes, whichever comes first, so a Wait after SIGTERM
// cannot outlive either; its output is given up 10 s after it is killed.
func agentCommand(t *testing.T, bin string, args ...string) *exec.Cmd {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.WaitDelay = 10 * time.Second
	return cmd
}

// waitFor polls cond until it holds or the deadline passes.
func (r *rig) waitFor(what string, d time.Duration, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// assertContiguous checks the stored seqs are exactly 1..max: none lost.
func (r *rig) assertContiguous() int64 {
	r.t.Helper()
	count, maxSeq := r.stored()
	if count != maxSeq || count == 0 {
		var gaps int64
		r.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM generate_series(1, $1::bigint) s WHERE NOT EXISTS (SELECT 1 FROM results WHERE seq = s)`, maxSeq).Scan(&gaps)
		r.t.Fatalf("server holds %d results with max seq %d (%d seqs missing)", count, maxSeq, gaps)
	}
	return count
}

type prefixWriter struct{ t *testing.T }

func (w *prefixWriter) Write(p []byte) (int, error) {
	w.t.Logf("agent: %s", p)
	return len(p), nil
}

func TestAgentSurvivesSIGKILL(t *testing.T) {
	r := newRig(t)
	var last int64
	for i := range 5 {
		cmd := r.startAgent()
		// Let it measure and deliver a little, then kill it mid-stride.
		r.waitFor("results after restart", 20*time.Second, func() bool { _, m := r.stored(); return m > last+20 })
		time.Sleep(time.Duration(7*i) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		_, last = r.stored()
	}
	// A last run drains whatever the kills left in the spool.
	cmd := r.startAgent()
	r.waitFor("more results", 20*time.Second, func() bool { _, m := r.stored(); return m > last+20 })
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	n := r.assertContiguous()
	t.Logf("%d results across 6 runs of the agent, 5 of them killed, all stored once", n)
}

func TestAgentDeliversAfterServerOutage(t *testing.T) {
	r := newRig(t)
	cmd := r.startAgent()
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	r.waitFor("first results", 20*time.Second, func() bool { c, _ := r.stored(); return c > 10 })
	r.stopServer()
	down := time.Now()
	time.Sleep(1500 * time.Millisecond) // the agent keeps measuring into its spool
	up := time.Now()
	r.startServer()
	var during int64
	r.waitFor("results measured while the server was down", 30*time.Second, func() bool {
		r.store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM results WHERE observed_at BETWEEN $1 AND $2`, down, up).Scan(&during)
		return during > 20
	})
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
	r.assertContiguous()
	t.Logf("%d results observed during a %s server outage were delivered afterwards with their own timestamps", during, up.Sub(down).Round(time.Millisecond))
}
