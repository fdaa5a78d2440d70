package background

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/clock"
)

var t0 = time.Date(2020, 1, 8, 8, 0, 0, 0, time.UTC)

// wait bounds every wait of these tests.
const wait = 10 * time.Second

// logs records the messages of a service's log lines and their err.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) WithAttrs([]slog.Attr) slog.Handler       { return l }
func (l *logs) WithGroup(string) slog.Handler            { return l }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	line := r.Level.String() + " " + r.Message
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "err" {
			line += ": " + a.Value.String()
		}
		return true
	})
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	return nil
}

func (l *logs) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

// rig runs a service whose pass reports each run on passes and then does
// what next says.
type rig struct {
	clock  *clock.Manual
	logs   *logs
	svc    *Service
	passes chan time.Time
}

func start(t *testing.T, cfg Config, body func(ctx context.Context, n int) (bool, error)) *rig {
	t.Helper()
	r := &rig{clock: clock.NewManual(t0), logs: &logs{}, passes: make(chan time.Time, 100)}
	cfg.Clock, cfg.Logger = r.clock, slog.New(r.logs)
	n := 0
	r.svc = New(cfg, func(ctx context.Context) (bool, error) {
		n++
		r.passes <- r.clock.Now()
		return body(ctx, n)
	})
	go r.svc.Start(context.Background())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := r.svc.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return r
}

// pass waits for the next pass and returns the clock's time at its start.
func (r *rig) pass(t *testing.T, what string) time.Time {
	t.Helper()
	select {
	case at := <-r.passes:
		return at
	case <-time.After(wait):
		t.Fatalf("%s: no pass within %v", what, wait)
		return time.Time{}
	}
}

// idle waits until the service sleeps until its next pass.
func (r *rig) idle(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.clock.WaitForWaiters(ctx, 1); err != nil {
		t.Fatalf("the service never went to sleep: %v", err)
	}
}

func ok(context.Context, int) (bool, error) { return false, nil }

func TestPassesRunAtStartThenEveryInterval(t *testing.T) {
	r := start(t, Config{Interval: time.Hour}, ok)
	if at := r.pass(t, "at start"); !at.Equal(t0) {
		t.Fatalf("first pass at %v, want at start %v", at, t0)
	}
	r.idle(t)
	r.clock.Advance(time.Hour - time.Second)
	if r.clock.Waiters() != 1 || len(r.passes) != 0 {
		t.Fatalf("a pass ran a second before its interval was up")
	}
	r.clock.Advance(time.Second)
	if at := r.pass(t, "after an hour"); !at.Equal(t0.Add(time.Hour)) {
		t.Fatalf("second pass at %v, want %v", at, t0.Add(time.Hour))
	}
	if lines := r.logs.get(); len(lines) != 0 {
		t.Fatalf("passes that went well were logged: %v", lines)
	}
}

func TestWakeRunsAPassEarly(t *testing.T) {
	wake := make(chan struct{}, 1)
	r := start(t, Config{Interval: time.Hour, Wake: wake}, ok)
	r.pass(t, "at start")
	r.idle(t)
	wake <- struct{}{}
	if at := r.pass(t, "woken"); !at.Equal(t0) {
		t.Fatalf("woken pass at %v, want at once (%v)", at, t0)
	}
}

func TestMoreRunsTheNextPassAtOnce(t *testing.T) {
	r := start(t, Config{Interval: time.Hour}, func(_ context.Context, n int) (bool, error) { return n < 3, nil })
	for i := range 3 {
		if at := r.pass(t, "a backlog's batch"); !at.Equal(t0) {
			t.Fatalf("batch %d at %v, want all at %v", i+1, at, t0)
		}
	}
	r.idle(t)
	if len(r.passes) != 0 {
		t.Fatalf("a fourth pass ran without more")
	}
}

func TestFailuresTimeoutsAndOverrunsAreLoggedAndTheServiceGoesOn(t *testing.T) {
	var r *rig
	r = start(t, Config{Name: "retention", Interval: time.Minute, Timeout: 50 * time.Millisecond},
		func(ctx context.Context, n int) (bool, error) {
			switch n {
			case 1:
				return false, errors.New("disk full")
			case 2:
				<-ctx.Done() // a hung pass: only its timeout ends it
				return false, ctx.Err()
			case 3:
				r.clock.Advance(2 * time.Minute)
			}
			return false, nil
		})
	for _, what := range []string{"failing", "hung", "overrunning", "after them"} {
		r.pass(t, what)
		r.idle(t)
		r.clock.Advance(time.Minute)
	}
	want := []string{"ERROR pass failed: disk full", "ERROR pass timed out: context deadline exceeded", "WARN pass overran its interval"}
	if got := r.logs.get(); !slices.Equal(got, want) {
		t.Fatalf("log lines %q, want %q", got, want)
	}
}

func TestStopEndsThePassUnderWayAndWaitsForIt(t *testing.T) {
	entered := make(chan struct{})
	r := start(t, Config{Interval: time.Hour, Timeout: time.Hour}, func(ctx context.Context, _ int) (bool, error) {
		close(entered)
		<-ctx.Done()
		return false, ctx.Err()
	})
	r.pass(t, "at start")
	<-entered
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := r.svc.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-r.svc.Done():
	default:
		t.Fatal("Stop returned before Start did")
	}
	if lines := r.logs.get(); len(lines) != 0 {
		t.Fatalf("a pass ended by Stop was logged as failing: %v", lines)
	}
}

func TestStopSaysWhenThePassDoesNotEnd(t *testing.T) {
	release := make(chan struct{})
	r := start(t, Config{Name: "stuck", Interval: time.Hour}, func(context.Context, int) (bool, error) {
		<-release // ignores its context
		return false, nil
	})
	r.pass(t, "at start")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := r.svc.Stop(ctx); err == nil {
		t.Fatal("Stop returned nil while the pass was still running")
	}
	close(release)
}

func TestStopBeforeStartMakesStartReturn(t *testing.T) {
	s := New(Config{}, func(context.Context) (bool, error) {
		t.Error("a pass ran after Stop")
		return false, nil
	})
	if err := s.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { s.Start(context.Background()); close(done) }()
	select {
	case <-done:
	case <-time.After(wait):
		t.Fatal("Start after Stop did not return")
	}
}
