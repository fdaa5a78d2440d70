package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Defaults for Config.
const (
	DefaultDuration       = 10 * time.Minute
	DefaultBatch          = 500
	DefaultMaxQueue       = 100_000
	DefaultRequestTimeout = 30 * time.Second
	DefaultDrain          = time.Minute
	DefaultProgressEvery  = 10 * time.Second
)

// Config is one simulation run against a running server.
type Config struct {
	// Server is the base URL of the Pantau server; it must be on loopback.
	Server string
	// Duration is how long the probes measure (default 10 minutes).
	Duration time.Duration
	// Drain bounds the delivery of what is still queued after Duration.
	Drain time.Duration
	// Batch is the most results in one request (default 500, as the agent).
	Batch int
	// MaxQueue bounds each probe's in-memory spool (oldest dropped).
	MaxQueue int
	// RequestTimeout bounds one request (default 30 s).
	RequestTimeout time.Duration
	// Skew gives every SkewEvery-th probe a clock that much off (alternately
	// ahead and behind); 0 keeps every clock right.
	Skew      time.Duration
	SkewEvery int
	// Cuts is the script; nil runs without cuts.
	Cuts []Cut
	// Progress receives a line every ProgressEvery (nil: silent).
	Progress      io.Writer
	ProgressEvery time.Duration
	// Seed makes the schedule phases and latencies repeatable.
	Seed uint64
	// MaxInFlight bounds concurrent requests (default 256); the server
	// still sees every probe's connection and schedule.
	MaxInFlight int
	// FailThreshold is the targets' fail threshold, for Figures.Completed
	// (default api.DefaultThresholds.Fail, what Register's targets get).
	FailThreshold int
	// RecoverThreshold is the targets' recover threshold, for
	// Figures.Recovered (default api.DefaultThresholds.Recover).
	RecoverThreshold int
}

func (c Config) withDefaults() Config {
	if c.Duration <= 0 {
		c.Duration = DefaultDuration
	}
	if c.Drain <= 0 {
		c.Drain = DefaultDrain
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.MaxQueue <= 0 {
		c.MaxQueue = DefaultMaxQueue
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 256
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = DefaultProgressEvery
	}
	if c.FailThreshold <= 0 {
		c.FailThreshold = api.DefaultThresholds.Fail
	}
	if c.RecoverThreshold <= 0 {
		c.RecoverThreshold = api.DefaultThresholds.Recover
	}
	c.Server = strings.TrimRight(c.Server, "/")
	return c
}

// CheckLoopback refuses a server that is not on this machine: load and
// fault runs must never leave it.
func CheckLoopback(server string) error {
	u, err := url.Parse(server)
	if err != nil || u.Host == "" {
		return fmt.Errorf("sim: server %q is not a URL", server)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("sim: server %q is not on loopback; simulations only talk to this machine", server)
	}
	return nil
}

// stats are the run's counters.
type stats struct {
	generated, accepted, duplicates, rejected, dropped atomic.Int64
	requests, failedRequests                           atomic.Int64
}

// runner is the state shared by a run's probes.
type runner struct {
	cfg      Config
	script   *Script
	client   *http.Client
	start    time.Time
	stats    stats
	latency  *histogram
	inflight chan struct{}
	// watch is the first national cut of the script (nil: none), whose
	// threshold completions are recorded in done.
	watch *Cut
	mu    sync.Mutex
	done  map[string]time.Time
	// back holds, per office, the latest recover-threshold completion of
	// its probes marked in the watched cut.
	back map[string]time.Time
}

// recovered records that a result completing the recover threshold of one
// of office's probes after the watched cut was answered at t (the latest
// per office is kept: the office is back when its last probe is).
func (r *runner) recovered(office string, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.back[office]; !ok || t.After(prev) {
		r.back[office] = t
	}
}

// completed records that a result completing an office's fail threshold
// in the watched cut was answered at t (the earliest per office is kept).
func (r *runner) completed(office string, t time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if prev, ok := r.done[office]; !ok || t.Before(prev) {
		r.done[office] = t
	}
}

// Figures is what a run measured.
type Figures struct {
	Probes                                         int
	Generated, Accepted, Duplicates, Rejected      int64
	Dropped, Requests, FailedRequests, Undelivered int64
	P50, P99, Max                                  time.Duration
	Elapsed                                        time.Duration
	// Start is when the run (and the script's clock) began.
	Start time.Time
	// Completed is, for each office, when the server answered the first
	// batch carrying a result that completed the fail threshold of one of
	// its probes' CentralTarget during the script's first national cut:
	// from then on the rules let its outage be known. Empty without one.
	Completed map[string]time.Time
	// Recovered is, for each office with a probe in Completed, when the
	// server answered the last of its probes' batches carrying the result
	// that completed the recover threshold of CentralTarget after that cut
	// ended: from then on the rules let its outages close.
	Recovered map[string]time.Time
}

// Run drives members against cfg.Server for cfg.Duration, then drains
// their queues for at most cfg.Drain. It returns when both are done or ctx
// ends; every loop is bounded in time.
func Run(ctx context.Context, members []Member, cfg Config) (Figures, error) {
	cfg = cfg.withDefaults()
	if err := CheckLoopback(cfg.Server); err != nil {
		return Figures{}, err
	}
	if len(members) == 0 {
		return Figures{}, errors.New("sim: no probes")
	}
	r := &runner{cfg: cfg, script: NewScript(cfg.Cuts), latency: newHistogram(), start: time.Now(), inflight: make(chan struct{}, cfg.MaxInFlight),
		client: &http.Client{Transport: &http.Transport{MaxIdleConns: cfg.MaxInFlight, MaxIdleConnsPerHost: cfg.MaxInFlight, IdleConnTimeout: time.Minute, DisableCompression: true}}}
	defer r.client.CloseIdleConnections()
	r.done, r.back = map[string]time.Time{}, map[string]time.Time{}
	for _, c := range cfg.Cuts {
		if c.Kind == CutNational {
			r.watch = &c
			break
		}
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	probes := make([]*vprobe, len(members))
	for i, m := range members {
		p := &vprobe{m: m, run: r, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i)+2)), offset: time.Duration(rng.Int64N(int64(m.Interval)))}
		if cfg.Skew != 0 && cfg.SkewEvery > 0 && i%cfg.SkewEvery == 0 {
			p.skew = cfg.Skew
			if (i/cfg.SkewEvery)%2 == 1 {
				p.skew = -cfg.Skew
			}
		}
		probes[i] = p
	}
	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	for _, p := range probes {
		wg.Go(func() { p.loop(runCtx) })
	}
	stopProgress := r.progress(runCtx, len(probes))
	wg.Wait()
	stopProgress()
	if err := ctx.Err(); err != nil {
		return r.figures(len(probes)), err
	}
	fmt.Fprintf(cfg.Progress, "sim: measuring stopped after %s; delivering what is queued (at most %s)\n", cfg.Duration, cfg.Drain)
	drainCtx, cancelDrain := context.WithTimeout(ctx, cfg.Drain)
	defer cancelDrain()
	for _, p := range probes {
		wg.Go(func() { p.drain(drainCtx) })
	}
	wg.Wait()
	f := r.figures(len(probes))
	for _, p := range probes {
		f.Undelivered += int64(len(p.queue))
	}
	return f, ctx.Err()
}

// progress prints a line every ProgressEvery until the returned stop is called.
func (r *runner) progress(ctx context.Context, n int) func() {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(r.cfg.ProgressEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			since := time.Since(r.start)
			s := &r.stats
			queued := s.generated.Load() - s.accepted.Load() - s.rejected.Load() - s.dropped.Load()
			p50, p99, _ := r.latency.quantiles()
			cuts := strings.Join(r.script.Active(since), ",")
			if cuts == "" {
				cuts = "none"
			}
			fmt.Fprintf(r.cfg.Progress, "sim: %s/%s probes=%d generated=%d accepted=%d queued=%d requests=%d failed=%d p50_ms=%.1f p99_ms=%.1f cuts=%s\n",
				since.Truncate(time.Second), r.cfg.Duration, n, s.generated.Load(), s.accepted.Load(), queued,
				s.requests.Load(), s.failedRequests.Load(), ms(p50), ms(p99), cuts)
		}
	}()
	return func() { close(done); <-stopped }
}

func (r *runner) figures(n int) Figures {
	s := &r.stats
	p50, p99, mx := r.latency.quantiles()
	r.mu.Lock()
	done := make(map[string]time.Time, len(r.done))
	for k, v := range r.done {
		done[k] = v
	}
	back := make(map[string]time.Time, len(r.back))
	for k, v := range r.back {
		back[k] = v
	}
	r.mu.Unlock()
	return Figures{Probes: n, Generated: s.generated.Load(), Accepted: s.accepted.Load(), Duplicates: s.duplicates.Load(),
		Rejected: s.rejected.Load(), Dropped: s.dropped.Load(), Requests: s.requests.Load(), FailedRequests: s.failedRequests.Load(),
		P50: p50, P99: p99, Max: mx, Elapsed: time.Since(r.start), Start: r.start, Completed: done, Recovered: back}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
