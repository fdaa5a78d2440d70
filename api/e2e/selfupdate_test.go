package e2e

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/release"
	"github.com/pantau-id/pantau/probe/update"
)

// updateTrial is the agents' update_trial in this test: long enough for
// a real agent to make its first config poll under load, short enough
// that a rollback does not make the test slow.
const updateTrial = 8 * time.Second

// buildProgram compiles pkg with ldflags into dir/name.
func buildProgram(t *testing.T, dir, name, pkg, ldflags string) string {
	t.Helper()
	out := filepath.Join(dir, name)
	ctx, cancel := context.WithTimeout(t.Context(), buildTimeout)
	defer cancel()
	b, err := exec.CommandContext(ctx, "go", "build", "-ldflags", ldflags, "-o", out, pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("build %s: %v: %s", pkg, err, b)
	}
	return out
}

// signedRelease is a release of one program (this platform's) signed with priv.
func signedRelease(t *testing.T, version, program string, priv ed25519.PrivateKey) api.AgentRelease {
	t.Helper()
	content, err := os.ReadFile(program)
	if err != nil {
		t.Fatal(err)
	}
	name := release.BinaryName(runtime.GOOS, runtime.GOARCH)
	sums := release.Sums{name: sha256.Sum256(content)}.Marshal()
	return api.AgentRelease{Version: version, Sums: sums, Signature: release.Sign(priv, sums),
		Binaries: []api.ReleaseBinary{{Name: name, GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, Size: int64(len(content)), Content: content}}}
}

// office agent of the self-update test: its own copy of the program (the
// one it replaces), credential, spool and update state.
type updAgent struct {
	office string
	id     int64
	dir    string
	exe    string
	cmd    *exec.Cmd
	logs   *logBuffer
}

// versionOnDisk runs the program now at the agent's path with `version`.
func (a *updAgent) versionOnDisk(t *testing.T) string {
	t.Helper()
	out, err := exec.CommandContext(t.Context(), a.exe, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", a.exe, err)
	}
	return strings.TrimSpace(string(out))
}

func TestSelfUpdate(t *testing.T) {
	d := newDeploy(t)
	ctx := context.Background()
	store := d.store
	if err := store.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := store.PutTarget(ctx, api.Target{OfficeCode: "73.72", Interval: time.Second, Spec: probe.Target{
		Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: d.central.Addr().String()}}); err != nil {
		t.Fatal(err)
	}
	_, goodKey, _ := ed25519.GenerateKey(nil)
	_, badKey, _ := ed25519.GenerateKey(nil)
	setKey := func(k ed25519.PrivateKey) {
		if err := store.SetReleasePublicKey(ctx, release.FormatPublicKey(k.Public().(ed25519.PublicKey))); err != nil {
			t.Fatal(err)
		}
	}
	setKey(goodKey)

	// The programs: the agent as 1.1.0 (running) and 1.2.0 (the update),
	// and a 1.3.0 / 1.3.1 that never report (hangs / exits at once).
	bins := t.TempDir()
	v110, err := buildVersionedAgent()
	if err != nil {
		t.Fatal(err)
	}
	const agentPkg = "github.com/pantau-id/pantau/cmd/pantau-probe"
	// Stamped as make release does from a tag (v1.2.0); the release is 1.2.0.
	v120 := buildProgram(t, bins, "v120", agentPkg, "-X main.version=v1.2.0")
	hang := buildProgram(t, bins, "hang", "./testdata/fakeprobe", "-X main.version=1.3.0 -X main.mode=hang")
	exits := buildProgram(t, bins, "exits", "./testdata/fakeprobe", "-X main.version=1.3.1 -X main.mode=exit")

	agents := map[string]*updAgent{}
	for _, office := range []string{"73.71", "73.72"} {
		a := &updAgent{office: office, dir: filepath.Join(d.dir, office)}
		a.exe = filepath.Join(a.dir, "bin", "pantau-probe")
		b, err := os.ReadFile(v110)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(a.exe), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(a.exe, b, 0o755); err != nil {
			t.Fatal(err)
		}
		code, _, err := store.CreateEnrolmentCode(ctx, office, time.Hour, "e2e")
		if err != nil {
			t.Fatal(err)
		}
		cred := filepath.Join(a.dir, "credential.json")
		out, err := exec.CommandContext(t.Context(), a.exe, "enrol", "--server", "http://"+d.addr, "--code", code,
			"--name", "pc-"+office, "--credential-file", cred, "--user", "").CombinedOutput()
		if _, serr := fmt.Sscanf(string(out), "enrolled as probe %d", &a.id); err != nil || serr != nil {
			t.Fatalf("enrol %s: %v %v: %s", office, err, serr, out)
		}
		cfg := fmt.Sprintf("credential_file: %s\nspool_dir: %s\nconfig_poll: 100ms\ntimeout: 1s\nupload_delay: 50ms\nupdate_trial: %s\n",
			cred, filepath.Join(a.dir, "state", "spool"), updateTrial)
		if err := os.WriteFile(filepath.Join(a.dir, "agent.yaml"), []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		a.logs = &logBuffer{t: t}
		a.cmd = agentCommand(t, a.exe, "run", "--config", filepath.Join(a.dir, "agent.yaml"))
		a.cmd.Stderr = a.logs
		if err := a.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			// SIGTERM first: an agent supervising a trial stops its child.
			a.cmd.Process.Signal(syscall.SIGTERM)
			done := make(chan struct{})
			go func() { a.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(40 * time.Second):
				a.cmd.Process.Kill()
			}
		})
		agents[office] = a
	}
	status := func(a *updAgent) api.AgentStatus {
		t.Helper()
		ss, _, err := store.AgentStatuses(ctx, a.office)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range ss {
			if s.ID == a.id {
				return s
			}
		}
		t.Fatalf("no probe %d in %s", a.id, a.office)
		return api.AgentStatus{}
	}
	waitState := func(a *updAgent, what string, cond func(api.AgentStatus) bool) {
		t.Helper()
		d.waitFor(a.office+": "+what, 90*time.Second, func() bool { return cond(status(a)) })
	}
	for _, a := range agents {
		waitState(a, "reports 1.1.0", func(s api.AgentStatus) bool { return s.AgentVersion == agentVersion })
	}
	rollout := func(r api.Rollout) {
		t.Helper()
		if _, err := store.StartRollout(ctx, r); err != nil {
			t.Fatal(err)
		}
	}

	// 1. A release signed with another key than the agents were enrolled
	// with (as if the server's key were replaced): both refuse it before
	// downloading, keep running 1.1.0 and report it.
	setKey(badKey)
	if err := store.AddAgentRelease(ctx, signedRelease(t, "1.2.1", v120, badKey)); err != nil {
		t.Fatal(err)
	}
	rollout(api.Rollout{Version: "1.2.1", Scope: api.RolloutAll, SharePct: 100})
	for _, a := range agents {
		waitState(a, "refusal of 1.2.1 reported", func(s api.AgentStatus) bool { return s.UpdateState == api.UpdateFailed })
		if !a.logs.has("update refused") || !a.logs.has("release signature does not verify") {
			t.Errorf("%s: no refusal in the log", a.office)
		}
		if s := status(a); s.AgentVersion != agentVersion || s.UpdateFailed != "1.2.1" {
			t.Errorf("%s after the bad release: version %s, failed %q", a.office, s.AgentVersion, s.UpdateFailed)
		}
		if v := a.versionOnDisk(t); !strings.HasPrefix(v, "pantau-probe 1.1.0 ") {
			t.Errorf("%s: program on disk is %q", a.office, v)
		}
	}
	setKey(goodKey)

	// 2. 1.2.0 to a staged share of all offices that holds exactly one of
	// the two probes: it updates, the other waits.
	first, second := agents["73.71"], agents["73.72"]
	h := func(a *updAgent) int {
		for pct := 1; pct <= 100; pct++ {
			if (api.Rollout{Version: "1.2.0", SharePct: pct}).InShare(a.id) {
				return pct
			}
		}
		return 101
	}
	if h(first) > h(second) {
		first, second = second, first
	}
	if err := store.AddAgentRelease(ctx, signedRelease(t, "1.2.0", v120, goodKey)); err != nil {
		t.Fatal(err)
	}
	if h(first) == h(second) {
		t.Logf("probes %d and %d hash alike for 1.2.0: staging by office instead", first.id, second.id)
		rollout(api.Rollout{Version: "1.2.0", Scope: api.RolloutOffices, OfficeCodes: []string{first.office}, SharePct: 100})
	} else {
		t.Logf("share %d%% holds probe %d (%s), not %d (%s)", h(first), first.id, first.office, second.id, second.office)
		rollout(api.Rollout{Version: "1.2.0", Scope: api.RolloutAll, SharePct: h(first)})
	}
	pid := first.cmd.Process.Pid
	waitState(first, "updated to 1.2.0", func(s api.AgentStatus) bool {
		return s.AgentVersion == "v1.2.0" && s.UpdateState == api.UpdateDone
	})
	d.waitFor("the new version takes over in the same process", 60*time.Second, func() bool {
		_, after, ok := strings.Cut(first.logs.String(), "new version reported; it takes over")
		for line := range strings.Lines(after) {
			// The program in place starts again, no longer on trial.
			if ok && strings.Contains(line, `msg="agent started"`) && !strings.Contains(line, "trial=") {
				return true
			}
		}
		return false
	})
	if v := first.versionOnDisk(t); !strings.HasPrefix(v, "pantau-probe v1.2.0 ") {
		t.Errorf("updated program on disk is %q", v)
	}
	if old, err := exec.CommandContext(t.Context(), update.OldPath(first.exe), "version").Output(); err != nil ||
		!bytes.HasPrefix(old, []byte("pantau-probe 1.1.0 ")) {
		t.Errorf("old program kept: %q, %v", old, err)
	}
	if first.cmd.ProcessState != nil || first.cmd.Process.Pid != pid {
		t.Errorf("the service's process changed")
	}
	if s := status(second); s.AgentVersion != agentVersion || s.UpdateState != api.UpdateWaiting && s.UpdateState != api.UpdateNone {
		t.Errorf("%s outside the share: version %s, state %q", second.office, s.AgentVersion, s.UpdateState)
	}
	// Results keep flowing from the updated agent.
	var seen time.Time
	if err := store.Pool().QueryRow(ctx, `SELECT max(received_at) FROM results WHERE office_code = $1`, first.office).Scan(&seen); err != nil {
		t.Fatal(err)
	}
	d.waitFor("results from 1.2.0", 30*time.Second, func() bool {
		var n int64
		store.Pool().QueryRow(ctx, `SELECT count(*) FROM results WHERE office_code = $1 AND received_at > $2`, first.office, seen).Scan(&n)
		return n > 0
	})

	// 3. A signed 1.3.0 that never reports (it hangs), to the other office
	// only: it is rolled back after the trial, the old program restored
	// and the failure reported; the first office is not offered it.
	for _, rel := range []struct {
		version, program, reason string
	}{
		{"1.3.0", hang, "did not report within"},
		{"1.3.1", exits, "exited before it reported"},
	} {
		if err := store.AddAgentRelease(ctx, signedRelease(t, rel.version, rel.program, goodKey)); err != nil {
			t.Fatal(err)
		}
		rollout(api.Rollout{Version: rel.version, Scope: api.RolloutOffices, OfficeCodes: []string{second.office}, SharePct: 100})
		waitState(second, "rollback of "+rel.version+" reported", func(s api.AgentStatus) bool {
			return s.UpdateFailed == rel.version && s.UpdateState == api.UpdateFailed
		})
		if !second.logs.has(rel.reason) {
			t.Errorf("%s: rollback reason %q not logged", rel.version, rel.reason)
		}
		if v := second.versionOnDisk(t); !strings.HasPrefix(v, "pantau-probe 1.1.0 ") {
			t.Errorf("after the rollback of %s the program on disk is %q", rel.version, v)
		}
		if second.cmd.ProcessState != nil {
			t.Fatalf("the agent exited: %v", second.cmd.ProcessState)
		}
		// The restored 1.1.0 delivers again.
		var at time.Time
		store.Pool().QueryRow(ctx, `SELECT now()`).Scan(&at)
		d.waitFor("results from the restored 1.1.0", 30*time.Second, func() bool {
			var n int64
			store.Pool().QueryRow(ctx, `SELECT count(*) FROM results WHERE office_code = $1 AND received_at > $2`, second.office, at).Scan(&n)
			return n > 0
		})
		if s := status(second); s.AgentVersion != agentVersion {
			t.Errorf("after the rollback of %s the server sees %s", rel.version, s.AgentVersion)
		}
		if s := status(first); s.AgentVersion != "v1.2.0" || s.UpdateState != api.UpdateNone {
			t.Errorf("%s outside the rollout of %s: version %s, state %q", first.office, rel.version, s.AgentVersion, s.UpdateState)
		}
	}
}
