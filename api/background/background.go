// Package background is the one shape of the server's background services
// (retention, detection, escalation, the Slack sender, monthly reports): a
// pass of work run at start and then every interval, or sooner when woken;
// each pass bounded by a timeout; a pass that fails, times out or overruns
// its interval logged; and a stop that waits for the pass under way.
//
// A service is written as its pass, a func that does one round of work and
// returns; Service owns the schedule. Tests call the pass directly, or run
// the Service on a clock.Manual and step it with Advance.
package background

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/pantau-id/pantau/api/clock"
)

// Pass does one round of a service's work within ctx, whose deadline is the
// pass's timeout. It returns more when work is left that should not wait for
// the next interval (a backlog taken batch by batch): the next pass then
// starts at once.
type Pass func(ctx context.Context) (more bool, err error)

// DefaultInterval is the interval of a Config that gives none.
const DefaultInterval = time.Minute

// Config says when a service's passes run.
type Config struct {
	// Name names the service in log lines and errors, e.g. "retention".
	Name string
	// Interval is the time from the start of one pass to the start of the
	// next (default DefaultInterval). A pass that takes longer is logged
	// as an overrun and the next starts when it ends.
	Interval time.Duration
	// Timeout bounds one pass: its context's deadline (default Interval).
	Timeout time.Duration
	// Wake, when not nil, starts a pass before the interval is up each time
	// it delivers. A channel with room for one value coalesces the wake-ups
	// that arrive during a pass into one pass after it.
	Wake <-chan struct{}
	// Clock schedules the passes and times them (default clock.Real).
	// The timeout is always machine time: it is there for a hung server.
	Clock clock.Clock
	// Logger receives a line for each pass that fails, times out or
	// overruns (default: discard).
	Logger *slog.Logger
}

// Service runs a Pass on its Config's schedule. Start it once.
type Service struct {
	cfg  Config
	pass Pass
	log  *slog.Logger
	done chan struct{}

	mu      sync.Mutex
	started bool
	stopped bool
	cancel  context.CancelFunc
}

// New returns a service that runs pass on cfg's schedule once started.
func New(cfg Config, pass Pass) *Service {
	if cfg.Name == "" {
		cfg.Name = "background"
	}
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = cfg.Interval
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, pass: pass, log: cfg.Logger.With("service", cfg.Name), done: make(chan struct{})}
}

// Start runs a pass now, then one every Interval (or when woken) until ctx
// ends or Stop is called, and returns once the pass under way has ended.
// Run it in a goroutine. A pass that fails is logged and the service goes
// on: a background service never stops the server.
func (s *Service) Start(ctx context.Context) {
	s.mu.Lock()
	if s.started {
		s.mu.Unlock()
		s.log.Error("started twice; the second Start returns at once")
		return
	}
	s.started = true
	ctx, s.cancel = context.WithCancel(ctx)
	stopped := s.stopped
	s.mu.Unlock()
	defer close(s.done)
	defer s.cancel()
	if stopped {
		return
	}
	for {
		start := s.cfg.Clock.Now()
		more := s.runPass(ctx, start)
		if ctx.Err() != nil {
			return
		}
		if more {
			continue
		}
		wait := s.cfg.Interval - s.cfg.Clock.Now().Sub(start)
		select {
		case <-ctx.Done():
			return
		case <-s.cfg.Clock.After(wait):
		case <-s.cfg.Wake:
		}
	}
}

// runPass runs one pass within Timeout and logs how it went wrong, if it
// did. It reports whether the pass asked for another at once.
func (s *Service) runPass(ctx context.Context, start time.Time) bool {
	pctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	more, err := s.pass(pctx)
	timedOut := errors.Is(pctx.Err(), context.DeadlineExceeded)
	cancel()
	took := s.cfg.Clock.Now().Sub(start)
	switch {
	case ctx.Err() != nil:
		// Stopping: a pass cut short by the stop did not fail.
	case err != nil && timedOut:
		s.log.Error("pass timed out", "timeout", s.cfg.Timeout, "err", err)
	case err != nil:
		s.log.Error("pass failed", "took", took, "err", err)
	case took > s.cfg.Interval:
		s.log.Warn("pass overran its interval", "took", took, "interval", s.cfg.Interval)
	}
	return more && err == nil
}

// Stop ends the service: the pass under way sees its context end, and no
// other starts. It waits until Start has returned, or until ctx ends, and
// then says so. Stop before Start makes Start return at once.
func (s *Service) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	if s.cancel != nil {
		s.cancel()
	}
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	select {
	case <-s.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s: stop: the pass under way has not ended: %w", s.cfg.Name, context.Cause(ctx))
	}
}

// Done is closed once Start has returned.
func (s *Service) Done() <-chan struct{} { return s.done }
