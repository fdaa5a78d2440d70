package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// agentVersion is the version the deployment tests build the agent with,
// so the server's view of it can be checked against a minimum.
const agentVersion = "1.1.0"

// buildVersionedAgent compiles the real pantau-probe with agentVersion.
var buildVersionedAgent = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "pantau-e2e-deploy-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "pantau-probe")
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-ldflags", "-X main.version="+agentVersion, "-o", bin,
		"github.com/pantau-id/pantau/cmd/pantau-probe").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("build pantau-probe: %v: %s", err, out)
	}
	return bin, nil
})

// logBuffer keeps an agent's output for the test to wait on, and logs it.
type logBuffer struct {
	t  *testing.T
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.t.Logf("agent: %s", bytes.TrimRight(p, "\n"))
	return l.b.Write(p)
}

// String is the output so far.
func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// has reports whether the output so far contains s.
func (l *logBuffer) has(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Contains(l.b.String(), s)
}

// deploy is an office set up the way issue 8 installs one: targets on the
// server (checked every second), an agent enrolled with a one-time code.
type deploy struct {
	*rig
	cred    string // the agent's credential file
	central net.Listener
}

func newDeploy(t *testing.T) *deploy {
	t.Helper()
	r := newRig(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	d := &deploy{rig: r, cred: filepath.Join(r.dir, "etc", "credential.json"), central: ln}
	// The rig's targets at 30 s would make the test slow: 1 s, the least
	// the server stores.
	ts, err := r.store.Targets(context.Background(), "73.71")
	if err != nil {
		t.Fatal(err)
	}
	for _, tg := range ts {
		d.putTarget(tg.Spec)
	}
	return d
}

// putTarget creates or replaces a target of the office, checked every second.
func (d *deploy) putTarget(spec probe.Target) {
	d.t.Helper()
	if _, err := d.store.PutTarget(context.Background(), api.Target{OfficeCode: "73.71", Interval: time.Second, Spec: spec}); err != nil {
		d.t.Fatal(err)
	}
}

// code makes a one-time enrolment code for the office.
func (d *deploy) code() string {
	d.t.Helper()
	c, _, err := d.store.CreateEnrolmentCode(context.Background(), "73.71", time.Hour, "e2e")
	if err != nil {
		d.t.Fatal(err)
	}
	return c
}

// enrol runs `pantau-probe enrol` and returns its exit code and output.
func (d *deploy) enrol(code, credFile string) (int, string, string) {
	d.t.Helper()
	bin, err := buildVersionedAgent()
	if err != nil {
		d.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(d.t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "enrol", "--server", "http://"+d.addr, "--code", code, "--name", "pc-loket",
		"--credential-file", credFile, "--user", "")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	exit := 0
	if ee, ok := err.(*exec.ExitError); ok {
		exit = ee.ExitCode()
	} else if err != nil {
		d.t.Fatal(err)
	}
	return exit, out.String(), errOut.String()
}

// mustEnrol enrols the agent and returns its probe id.
func (d *deploy) mustEnrol() int64 {
	d.t.Helper()
	exit, out, errOut := d.enrol(d.code(), d.cred)
	var id int64
	if _, err := fmt.Sscanf(out, "enrolled as probe %d of office 73.71", &id); exit != 0 || err != nil {
		d.t.Fatalf("enrol: exit %d, %v\n%s%s", exit, err, out, errOut)
	}
	return id
}

// run starts the enrolled agent with targets from the server, polled
// every 100 ms, and a config file that names no server, token or target.
func (d *deploy) run() (*exec.Cmd, *logBuffer) {
	d.t.Helper()
	bin, err := buildVersionedAgent()
	if err != nil {
		d.t.Fatal(err)
	}
	cfg := fmt.Sprintf("credential_file: %s\nspool_dir: %s\nconfig_poll: 100ms\ntimeout: 1s\nupload_delay: 50ms\nlog_level: info\n",
		d.cred, filepath.Join(d.dir, "spool"))
	path := filepath.Join(d.dir, "agent.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		d.t.Fatal(err)
	}
	logs := &logBuffer{t: d.t}
	cmd := agentCommand(d.t, bin, "run", "--config", path)
	cmd.Stderr = logs
	if err := cmd.Start(); err != nil {
		d.t.Fatal(err)
	}
	d.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return cmd, logs
}

// stop stops the agent cleanly.
func stop(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	cmd.Wait()
}

// count returns how many results the server holds that match where (SQL
// over results r joined with targets t), with args from $1.
func (d *deploy) count(where string, args ...any) int64 {
	d.t.Helper()
	var n int64
	err := d.store.Pool().QueryRow(context.Background(),
		`SELECT count(*) FROM results r JOIN targets t ON t.id = r.target_id WHERE `+where, args...).Scan(&n)
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

// waitResults waits until the server holds results of the target.
func (d *deploy) waitResults(target string, atLeast int64) {
	d.t.Helper()
	d.waitFor("results of "+target, 30*time.Second, func() bool { return d.count("t.name = $1", target) >= atLeast })
}

func TestEnrolThroughTheBinary(t *testing.T) {
	d := newDeploy(t)
	ctx := context.Background()
	id := d.mustEnrol()
	fi, err := os.Stat(d.cred)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("credential file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	b, _ := os.ReadFile(d.cred)
	if !strings.Contains(string(b), `"token": "pt_73.71_`) || !strings.Contains(string(b), `"server": "http://`+d.addr+`"`) {
		t.Fatalf("credential lacks the token or the server:\n%s", b)
	}
	// The agent needs nothing more: targets come from the server.
	cmd, _ := d.run()
	d.waitResults("central", 2)
	d.waitResults("internet", 2)
	if n := d.count("r.probe_id = $1", id); n == 0 {
		t.Fatalf("no results stored for the enrolled probe %d", id)
	}
	stop(cmd)
	st, _, err := d.store.AgentStatuses(ctx, "73.71")
	if err != nil {
		t.Fatal(err)
	}
	var me *struct{ version, os string }
	for _, p := range st {
		if p.ID == id {
			me = &struct{ version, os string }{p.AgentVersion, p.AgentOS + "/" + p.AgentArch}
			if p.Name != "pc-loket" || p.LastSeenAt == nil || p.Outdated {
				t.Fatalf("enrolled probe as the server sees it: %+v", p)
			}
		}
	}
	if me == nil || me.version != agentVersion || me.os == "/" {
		t.Fatalf("server's view of the agent: %+v", me)
	}
	if err := d.store.SetMinAgentVersion(ctx, "1.2.0"); err != nil {
		t.Fatal(err)
	}
	st, _, _ = d.store.AgentStatuses(ctx, "73.71")
	for _, p := range st {
		if p.ID == id && !p.Outdated {
			t.Fatalf("agent %s not flagged against minimum 1.2.0: %+v", p.AgentVersion, p)
		}
	}
	t.Logf("probe %d enrolled through the binary, credential 0600, agent %s on %s delivering; flagged outdated below 1.2.0", id, me.version, me.os)
}

func TestEnrolRefusesBadCodes(t *testing.T) {
	d := newDeploy(t)
	used := d.code()
	if exit, out, errOut := d.enrol(used, filepath.Join(d.dir, "first.json")); exit != 0 {
		t.Fatalf("first use: exit %d\n%s%s", exit, out, errOut)
	}
	expired := d.code()
	if _, err := d.store.Pool().Exec(context.Background(),
		`UPDATE enrolment_codes SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	before, err := d.store.Probes(context.Background(), "73.71")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, code, want string
	}{
		{"reused code", used, "enrolment code was already used on"},
		{"expired code", expired, "enrolment code has expired; ask for a new one"},
		{"wrong code", "ZZZZ-ZZZZ", "enrolment code not recognised; check it with the administrator"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cred := filepath.Join(d.dir, strings.ReplaceAll(tc.name, " ", "-")+".json")
			exit, out, errOut := d.enrol(tc.code, cred)
			if exit != 1 || !strings.Contains(errOut, "server refused enrolment: 401 Unauthorized: "+tc.want) {
				t.Fatalf("exit %d, stderr %q; want 1 and %q", exit, errOut, tc.want)
			}
			if _, err := os.Stat(cred); !os.IsNotExist(err) {
				t.Fatalf("a refused enrolment wrote %s (%v)", cred, err)
			}
			t.Logf("%s: %s", tc.name, strings.TrimSpace(errOut+out))
		})
	}
	after, _ := d.store.Probes(context.Background(), "73.71")
	if len(after) != len(before) {
		t.Fatalf("refused codes made probes: %d before, %d after", len(before), len(after))
	}
}
