package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// realAgent is one `pantau-probe run` for an office the simulator leaves
// alone, checking a central stand-in the scenario cuts and a TCP reference
// that always answers. It spools to disk, so a SIGKILL loses nothing.
type realAgent struct {
	bin, cfg, log string
	central       *http.Server
	internet      net.Listener
	down          atomic.Bool // the central stand-in refuses to answer
	mu            sync.Mutex
	cmd           *exec.Cmd
}

// agentOffice is the real agent's office: Kota Kendari, in a province the
// simulator does not touch, with its own channel.
const agentOffice = "74.71"

// newRealAgent registers agentOffice's targets and probe on the server's
// database through the pantau CLI and writes the agent's config in dir.
func newRealAgent(ctx context.Context, h *harness, dbURL, serverURL, dir string) (*realAgent, error) {
	a := &realAgent{bin: h.probeBin, log: filepath.Join(dir, "agent.log")}
	cl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("central stand-in: %w", err)
	}
	a.central = &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.down.Load() {
			// The link is cut: the connection dies without an answer.
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
					return
				}
			}
			http.Error(w, "cut", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("OK"))
	})}
	go func() { _ = a.central.Serve(cl) }()
	if a.internet, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("internet stand-in: %w", err)
	}
	go func() {
		for {
			c, err := a.internet.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	centralURL := "http://" + cl.Addr().String() + "/health"
	admin := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, h.bin, args...)
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("pantau %s: %w\n%s", strings.Join(args, " "), err, out)
		}
		return string(out), nil
	}
	steps := [][]string{
		{"import", "regions"},
		{"admin", "add-target", "-office", agentOffice, "-name", "central", "-kind", "central", "-check", "http",
			"-address", centralURL, "-interval", "1s", "-timeout", "1s"},
		{"admin", "add-target", "-office", agentOffice, "-name", "internet", "-kind", "internet", "-check", "tcp",
			"-address", a.internet.Addr().String(), "-interval", "1s", "-timeout", "1s"},
	}
	for _, s := range steps {
		if _, err := admin(s...); err != nil {
			return nil, err
		}
	}
	out, err := admin("admin", "add-probe", "-office", agentOffice, "-name", "chaos-agent")
	if err != nil {
		return nil, err
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := strings.TrimSpace(lines[len(lines)-1])
	a.cfg = filepath.Join(dir, "agent.yaml")
	cfg := fmt.Sprintf(`server: %s
token: %s
interval: 1s
timeout: 1s
spool_dir: %s
batch_size: 500
upload_delay: 200ms
log_level: warn
targets:
  - {name: central, kind: central, check: http, address: %q}
  - {name: internet, kind: internet, check: tcp, address: %q}
`, serverURL, token, filepath.Join(dir, "agent-spool"), centralURL, a.internet.Addr().String())
	if err := os.WriteFile(a.cfg, []byte(cfg), 0o600); err != nil {
		return nil, fmt.Errorf("agent config: %w", err)
	}
	return a, nil
}

// start runs the agent (again, on the same spool after a kill).
func (a *realAgent) start() error {
	f, err := os.OpenFile(a.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("agent log: %w", err)
	}
	cmd := exec.Command(a.bin, "run", "--config", a.cfg)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", a.bin, err)
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	a.mu.Lock()
	a.cmd = cmd
	a.mu.Unlock()
	return nil
}

// signal sends sig to the agent and waits (bounded) for it to be gone.
func (a *realAgent) signal(sig syscall.Signal) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cmd == nil || a.cmd.Process == nil {
		return
	}
	_ = a.cmd.Process.Signal(sig)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && syscall.Kill(a.cmd.Process.Pid, 0) == nil {
		time.Sleep(50 * time.Millisecond)
	}
	a.cmd = nil
}

// close stops the agent and its stand-ins.
func (a *realAgent) close() {
	a.signal(syscall.SIGTERM)
	_ = a.central.Close()
	_ = a.internet.Close()
}
