package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
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
	bin, admin, logDir string
	log                io.Writer
	sulsel             []string
}

// runCtx is one scenario's running parts.
type runCtx struct {
	slack   *slackAPI
	servers []*serverProc
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
		if o.ProvinceCode == "73" || o.ProvinceCode == "11" {
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
	return measure(ctx, conn, slack)
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

// counts are one scenario's figures.
type counts struct {
	incidents, late, tops, posts int
	extra, lost, stale, dups     int
	gather                       []time.Duration // first top-level post after the incident was first seen
	early                        int             // calls of a paused family before Retry-After ended
}

func (c *counts) add(o counts) {
	c.extra += o.extra
	c.lost += o.lost
	c.stale += o.stale
	c.dups += o.dups
}

func (c counts) String() string {
	g := "-"
	if len(c.gather) > 0 {
		slices.Sort(c.gather)
		g = fmt.Sprintf("%s..%s", c.gather[0].Round(100*time.Millisecond), c.gather[len(c.gather)-1].Round(100*time.Millisecond))
	}
	return fmt.Sprintf("incidents=%d late=%d top_level=%d posts=%d extra_top_level=%d lost=%d stale=%d duplicates=%d first_alert_after=%s calls_in_pause=%d",
		c.incidents, c.late, c.tops, c.posts, c.extra, c.lost, c.stale, c.dups, g, c.early)
}

// measure compares what Slack holds with what escalation decided.
func measure(ctx context.Context, conn *pgx.Conn, slack *slackAPI) (counts, error) {
	type inc struct {
		ended     *time.Time
		firstSeen time.Time
		late      bool
	}
	incs := map[int64]inc{}
	rows, err := conn.Query(ctx, `SELECT incident_id, ended_at, first_seen_at, late FROM escalation_incidents WHERE NOT retracted`)
	if err != nil {
		return counts{}, fmt.Errorf("read incidents: %w", err)
	}
	var (
		id int64
		i  inc
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &i.ended, &i.firstSeen, &i.late}, func() error {
		incs[id] = i
		return nil
	}); err != nil {
		return counts{}, fmt.Errorf("read incidents: %w", err)
	}
	type thread struct {
		id      int64
		channel string
		step    bool
	}
	var threads []thread
	rows, err = conn.Query(ctx, `SELECT incident_id, channel_id, step FROM escalation_threads`)
	if err != nil {
		return counts{}, fmt.Errorf("read threads: %w", err)
	}
	var th thread
	if _, err := pgx.ForEachRow(rows, []any{&th.id, &th.channel, &th.step}, func() error {
		threads = append(threads, th)
		return nil
	}); err != nil {
		return counts{}, fmt.Errorf("read threads: %w", err)
	}

	var c counts
	c.incidents = len(incs)
	for _, i := range incs {
		if i.late {
			c.late++
		}
	}
	posts := slack.Posts()
	c.posts = len(posts)
	byKey := map[string]int{}
	tops := map[string]int{}          // incident:channel → top-level posts
	firstTop := map[int64]time.Time{} // incident → first top-level post
	replies := map[string]bool{}      // incident:channel:kind
	for _, p := range posts {
		byKey[p.Key]++
		parts := strings.Split(p.Key, ":") // incident:<id>:<channel>:<kind>…
		if len(parts) < 4 || parts[0] != "incident" {
			continue
		}
		id, _ := strconv.ParseInt(parts[1], 10, 64)
		ic := parts[1] + ":" + parts[2]
		if p.ThreadTS == "" {
			c.tops++
			tops[ic]++
			if t, ok := firstTop[id]; !ok || p.At.Before(t) {
				firstTop[id] = p.At
			}
		} else {
			replies[ic+":"+parts[3]] = true
		}
		// Stale: a reminder after its incident ended (with the detector's
		// few seconds to learn of the end).
		if i, ok := incs[id]; ok && i.ended != nil && parts[3] == "reminder" && p.At.After(i.ended.Add(15*time.Second)) {
			c.stale++
		}
	}
	for _, n := range byKey {
		c.dups += max(n-1, 0)
	}
	for _, n := range tops {
		c.extra += max(n-1, 0)
	}
	for _, th := range threads {
		i, ok := incs[th.id]
		if !ok {
			continue
		}
		ic := fmt.Sprintf("%d:%s", th.id, th.channel)
		if tops[ic] == 0 {
			c.lost++ // the top message (alert or late notice) never arrived
		}
		if i.ended != nil && !i.late && !replies[ic+":recovered"] {
			c.lost++ // the recovery notice never arrived
		}
		if th.step && i.ended != nil && tops[ic] > 0 {
			for _, p := range posts {
				if strings.HasPrefix(p.Key, "incident:"+ic+":open") && p.At.After(i.ended.Add(15*time.Second)) {
					c.stale++ // a province or national step for an outage already over
				}
			}
		}
	}
	for id, t := range firstTop {
		if i, ok := incs[id]; ok && !i.late {
			c.gather = append(c.gather, t.Sub(i.firstSeen))
		}
	}
	slack.mu.Lock()
	c.early = slack.early
	slack.mu.Unlock()
	return c, nil
}
