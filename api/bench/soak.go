package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/sim"
)

// Phase is one stage of a soak: Probes simulated offices checking every
// Interval for Duration. A Cut phase gives each probe three targets and runs
// only a national cut, from a fifth of Duration for two fifths of it (1 to 3
// minutes of 5), and measures detection lags; other phases run
// sim.DefaultScript.
type Phase struct {
	Probes   int
	Interval time.Duration
	Duration time.Duration
	Cut      bool
}

// ParsePhases reads "514:30s:10m,5000:10s:2m,10000:10s:5m:cut".
func ParsePhases(s string) ([]Phase, error) {
	var out []Phase
	for _, part := range strings.Split(s, ",") {
		f := strings.Split(strings.TrimSpace(part), ":")
		cut := len(f) == 4 && f[3] == "cut"
		if cut {
			f = f[:3]
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("phase %q: want PROBES:INTERVAL:DURATION[:cut]", part)
		}
		n, err := strconv.Atoi(f[0])
		iv, err2 := time.ParseDuration(f[1])
		d, err3 := time.ParseDuration(f[2])
		if err != nil || err2 != nil || err3 != nil || n <= 0 || iv <= 0 || d <= 0 {
			return nil, fmt.Errorf("phase %q: want a positive count and two durations, as 514:30s:10m", part)
		}
		out = append(out, Phase{Probes: n, Interval: iv, Duration: d, Cut: cut})
	}
	return out, nil
}

// SoakResult is one phase's figures.
type SoakResult struct {
	Phase   Phase
	Results int64
	Lost    int64
	P99     time.Duration
	RSSMB   float64
	// Cut phases only (see lags.go): DetectLagP99 over the offices in the
	// cut, NationalLag for the national incident, CloseLag for its close;
	// -1 s when never visible. DetectLagMax is the largest age of the
	// oldest unevaluated observation sampled.
	DetectLagP99, NationalLag, CloseLag, DetectLagMax time.Duration
}

// Line is the phase's line in the form issues 7 and 14 ask for.
func (r SoakResult) Line() string {
	line := fmt.Sprintf("soak: offices=%d results=%d lost=%d p99_ms=%.1f rss_mb=%.1f", r.Phase.Probes, r.Results, r.Lost,
		float64(r.P99)/float64(time.Millisecond), r.RSSMB)
	if r.Phase.Cut {
		line += fmt.Sprintf(" detect_lag_p99_s=%.2f national_lag_s=%.2f close_lag_s=%.2f detect_lag_max_s=%.2f",
			r.DetectLagP99.Seconds(), r.NationalLag.Seconds(), r.CloseLag.Seconds(), r.DetectLagMax.Seconds())
	}
	return line
}

// RunSoakPhase registers the phase's probes, drives them against the server
// at base (a separate process, serverPID, whose resident memory is sampled
// every 500 ms) and counts what the store holds afterwards.
func RunSoakPhase(ctx context.Context, store *postgres.Store, base string, serverPID int, ph Phase, runID string, progress io.Writer) (SoakResult, error) {
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		return SoakResult{}, err
	}
	fmt.Fprintf(progress, "soak: registering %d probes…\n", ph.Probes)
	members, err := sim.Register(ctx, store, provinces, sim.Pick(offices, ph.Probes), sim.RegisterConfig{
		Probes: ph.Probes, Interval: ph.Interval, RunID: runID, ThreeTargets: ph.Cut,
		Progress: func(done, total int) {
			if done%1000 == 0 || done == total {
				fmt.Fprintf(progress, "soak: registered %d/%d\n", done, total)
			}
		}})
	if err != nil {
		return SoakResult{}, err
	}
	cuts := sim.DefaultScript(ph.Duration, ph.Interval)
	if ph.Cut {
		cuts = []sim.Cut{{Kind: sim.CutNational, Start: ph.Duration / 5, End: ph.Duration * 3 / 5}}
	}
	sampler := newRSSSampler(serverPID)
	stop := sampler.start()
	var watcher *visibility
	if ph.Cut {
		watcher = watchVisibility(ctx, store, time.Now().Add(-time.Minute), progress)
	}
	if watcher != nil {
		// The detection lag is sampled while the probes measure, not
		// while a drain delivers what they held.
		stopAt := time.AfterFunc(ph.Duration, watcher.stopSampling)
		defer stopAt.Stop()
	}
	figs, err := sim.Run(ctx, members, sim.Config{Server: base, Duration: ph.Duration, Drain: 2 * time.Minute,
		Cuts: cuts, Progress: progress, ProgressEvery: 10 * time.Second, Seed: 7})
	peak := stop()
	var seen visible
	if watcher != nil {
		seen = watcher.stop()
	}
	if err != nil {
		return SoakResult{}, err
	}
	stored, err := sim.Stored(ctx, store, members)
	if err != nil {
		return SoakResult{}, err
	}
	res := SoakResult{Phase: ph, Results: stored, Lost: figs.Generated - stored, P99: figs.P99, RSSMB: float64(peak) / 1024}
	if ph.Cut {
		l := lags(members, figs, seen, progress)
		res.DetectLagP99, res.NationalLag, res.CloseLag, res.DetectLagMax = l.p99, l.national, l.close, l.oldestMax
	}
	return res, nil
}

// rssSampler keeps the highest VmRSS of a process, in kB.
type rssSampler struct {
	pid  int
	mu   sync.Mutex
	peak int64
}

func newRSSSampler(pid int) *rssSampler { return &rssSampler{pid: pid} }

func (s *rssSampler) start() func() int64 {
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(500 * time.Millisecond)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		s.sample()
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.peak
	}
}

func (s *rssSampler) sample() {
	kb, err := ReadRSS(s.pid)
	if err != nil {
		return
	}
	s.mu.Lock()
	s.peak = max(s.peak, kb)
	s.mu.Unlock()
}

// ReadRSS returns a process's resident set size in kB from /proc (Linux).
func ReadRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read rss: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("read rss: no VmRSS for pid %d", pid)
}

// WaitReady polls base/readyz until it answers 200, for at most d.
func WaitReady(ctx context.Context, base string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return fmt.Errorf("readyz: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready after %s", base, d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
