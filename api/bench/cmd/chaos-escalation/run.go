package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api/bench"
	"github.com/pantau-id/pantau/api/regions"
)

// harness runs scenarios.
type harness struct {
	bin, probeBin string
	admin, logDir string
	log           io.Writer
	sulsel        []string
}

// runCtx is one scenario's running parts.
type runCtx struct {
	slack   *slackAPI
	servers []*serverProc
	agent   *realAgent // when the scenario asks for a real agent
	back    time.Time  // when a killed server was started again (the late scenario)
}

// serverProc is one `pantau serve`, started again on the same address
// after a kill.
type serverProc struct {
	h          *harness
	args       []string
	dbURL, log string
	addr       string
	mu         sync.Mutex
	cmd        *exec.Cmd
}

func (s *serverProc) start(ctx context.Context) error {
	f, err := os.OpenFile(s.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	cmd := exec.Command(s.h.bin, append([]string{"serve", "-addr", s.addr}, s.args...)...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+s.dbURL)
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start %s: %w", s.h.bin, err)
	}
	go func() { _ = cmd.Wait(); f.Close() }()
	s.mu.Lock()
	s.cmd = cmd
	s.mu.Unlock()
	if err := bench.WaitReady(ctx, "http://"+s.addr, time.Minute); err != nil {
		return fmt.Errorf("%w (log %s)", err, s.log)
	}
	return nil
}

// kill ends the process with SIGKILL: nothing is flushed or released.
func (s *serverProc) kill() { s.signal(syscall.SIGKILL) }

func (s *serverProc) signal(sig syscall.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(sig)
		// Wait for the port to be free again before a restart.
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) && syscall.Kill(s.cmd.Process.Pid, 0) == nil {
			time.Sleep(50 * time.Millisecond)
		}
		s.cmd = nil
	}
}

func (h *harness) run(ctx context.Context, sc scenario) (counts, error) {
	scratch, err := bench.NewScratch(ctx, h.admin, "pantau_chaos")
	if err != nil {
		return counts{}, err
	}
	defer func() { _ = scratch.Close(context.WithoutCancel(ctx)) }()
	slack, err := newSlackAPI()
	if err != nil {
		return counts{}, err
	}
	defer slack.Close()
	dir, err := os.MkdirTemp(h.logDir, "chaos-"+sc.name+"-")
	if err != nil {
		return counts{}, err
	}
	_, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		return counts{}, err
	}
	var codes []string
	for _, o := range offices {
		if o.ProvinceCode == "73" || o.ProvinceCode == "11" || o.Code == agentOffice {
			codes = append(codes, o.Code)
		}
	}
	policy, err := policyYAML(dir, codes)
	if err != nil {
		return counts{}, err
	}
	r := &runCtx{slack: slack}
	for i := range max(sc.replicas, 1) {
		addr, err := bench.FreeAddr()
		if err != nil {
			return counts{}, err
		}
		s := &serverProc{h: h, dbURL: scratch.URL, addr: addr, log: filepath.Join(dir, fmt.Sprintf("server%d.log", i+1)),
			args: []string{"-slack-token", "xoxb-chaos", "-slack-api-url", slack.URL(), "-escalation-policy", policy,
				"-slack-request-timeout", "3s", "-slack-lease", "5s", "-slack-backoff-max", "10s", "-log-level", "warn"}}
		if err := s.start(ctx); err != nil {
			return counts{}, err
		}
		defer s.signal(syscall.SIGTERM)
		r.servers = append(r.servers, s)
	}
	fmt.Fprintf(h.log, "chaos: %s: %d server(s), logs in %s\n", sc.name, len(r.servers), dir)
	if sc.agent {
		if r.agent, err = newRealAgent(ctx, h, scratch.URL, "http://"+r.servers[0].addr, dir); err != nil {
			return counts{}, err
		}
		defer r.agent.close()
		if err := r.agent.start(); err != nil {
			return counts{}, err
		}
	}

	simLog, err := os.Create(filepath.Join(dir, "sim.log"))
	if err != nil {
		return counts{}, err
	}
	defer simLog.Close()
	sim := exec.CommandContext(ctx, h.bin, "sim", "-server", "http://"+r.servers[0].addr, "-offices", "40",
		"-interval", "1s", "-duration", sc.duration.String(), "-drain", "40s", "-cuts", strings.Join(sc.cuts, ","),
		"-intake-days", "0", "-progress", "1m")
	sim.Env = append(os.Environ(), "DATABASE_URL="+scratch.URL)
	sim.Stdout, sim.Stderr = simLog, simLog
	if err := sim.Start(); err != nil {
		return counts{}, fmt.Errorf("start sim: %w", err)
	}
	duringErr := make(chan error, 1)
	go func() {
		if sc.during == nil {
			duringErr <- nil
			return
		}
		duringErr <- sc.during(ctx, r)
	}()
	if err := sim.Wait(); err != nil {
		return counts{}, fmt.Errorf("sim: %w (log %s)", err, simLog.Name())
	}
	if err := <-duringErr; err != nil {
		return counts{}, err
	}
	conn, err := pgx.Connect(ctx, scratch.URL)
	if err != nil {
		return counts{}, fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if err := settle(ctx, conn, 2*time.Minute); err != nil {
		fmt.Fprintf(h.log, "chaos: %s: %v\n", sc.name, err)
	}
	for _, s := range r.servers {
		s.signal(syscall.SIGTERM)
	}
	if r.agent != nil {
		r.agent.signal(syscall.SIGTERM)
	}
	c, err := measure(ctx, conn, slack)
	if err != nil || r.agent == nil || r.back.IsZero() {
		return c, err
	}
	// How soon the agent's spooled outage reached the server once it was
	// back (issue 11: within 30 s of the link returning).
	var seen *time.Time
	if err := conn.QueryRow(ctx, `SELECT min(first_seen_at) FROM escalation_incidents
		WHERE offices @> jsonb_build_array(jsonb_build_object('code', $1::text))`, agentOffice).Scan(&seen); err != nil {
		return c, fmt.Errorf("agent's incident: %w", err)
	}
	if seen != nil {
		c.agentBack = seen.Sub(r.back)
	}
	return c, nil
}

// settle waits until every incident has ended and the outbox has nothing
// left to send (or d passes).
func settle(ctx context.Context, conn *pgx.Conn, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		var open, todo int
		if err := conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM escalation_incidents WHERE ended_at IS NULL),
			(SELECT count(*) FROM escalation_outbox WHERE status IN ('pending', 'sending'))`).Scan(&open, &todo); err != nil {
			return fmt.Errorf("settle: %w", err)
		}
		if open == 0 && todo == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not settled after %s: %d incidents open, %d messages to send", d, open, todo)
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}
