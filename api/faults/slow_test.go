//go:build faults

package faults

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/probe/spool"
)

// envDuration reads a duration from the environment, for shortening a slow
// test by hand.
func envDuration(t *testing.T, key string, def time.Duration) time.Duration {
	t.Helper()
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration", key, v)
	}
	return d
}

// TestFiftyAgentsThroughATenMinuteOutage is issue 7's case: the server down
// for 10 minutes while 50 agents at 1 s keep measuring into their spools,
// then every result delivered exactly once.
func TestFiftyAgentsThroughATenMinuteOutage(t *testing.T) {
	serverDown(t, 50, time.Second, envDuration(t, "PANTAU_FAULTS_DOWN", 10*time.Minute))
}

// TestPostgresRestartedRepeatedlyUnderLoad restarts PostgreSQL five times
// (immediate mode) while 200 simulated probes at 1 s send for 2 minutes.
func TestPostgresRestartedRepeatedlyUnderLoad(t *testing.T) {
	pgRestarts(t, 200, time.Second, envDuration(t, "PANTAU_FAULTS_LOAD", 2*time.Minute), 5)
}

// TestAgentKilledRepeatedlyAgainstTheRealServer runs the pantau-probe binary
// against the real server, kills it with SIGKILL at random moments eight
// times (restarting it on the same spool each time), stops it cleanly, and
// checks the server holds every seq the spool ever assigned, once.
func TestAgentKilledRepeatedlyAgainstTheRealServer(t *testing.T) {
	store := pgtest.Store(t)
	srv := newSwitchable(t, store)
	targets := localTargets(t)
	m := register(t, store, 1, 50*time.Millisecond)[0]
	dir := t.TempDir()
	bin := filepath.Join(dir, "pantau-probe")
	buildCtx, cancel := context.WithTimeout(t.Context(), 10*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(buildCtx, "go", "build", "-o", bin, "github.com/pantau-id/pantau/cmd/pantau-probe").CombinedOutput(); err != nil {
		t.Fatalf("build pantau-probe: %v: %s", err, out)
	}
	spoolDir := filepath.Join(dir, "spool")
	cfg := filepath.Join(dir, "config.yaml")
	yaml := fmt.Sprintf("server: %s\ntoken: %q\ninterval: 50ms\ntimeout: 1s\nspool_dir: %s\nbatch_size: 50\nupload_delay: 0s\nlog_level: warn\ntargets:\n", srv.URL(), m.Token, spoolDir)
	for _, tg := range targets {
		yaml += fmt.Sprintf("  - name: %s\n    kind: %s\n    check: tcp\n    address: %s\n", tg.Name, tg.Kind, tg.Address)
	}
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for i := range 9 {
		cmd := exec.CommandContext(t.Context(), bin, "run", "--config", cfg) // killed at the latest when the test ends
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start agent: %v", err)
		}
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		if i < 8 {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			continue
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("agent stop: %v", err)
			}
		case <-time.After(time.Minute):
			_ = cmd.Process.Kill()
			t.Fatal("agent did not stop within a minute of SIGTERM")
		}
	}
	sp, err := spool.Open(spoolDir, spool.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	ra := &runningAgent{member: m, spool: sp}
	// Results spooled but unsent at the last stop are a depth, not a loss:
	// deliver them with one more clean run if needed.
	if sp.Stats().Depth > 0 {
		t.Logf("%d results still spooled after the last stop", sp.Stats().Depth)
	}
	mustStoredOnce(t, store, ra)
}
