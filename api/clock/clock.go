// Package clock is the one clock of the server's background services and
// of the code they call: Real, the machine's clock, and Manual, a clock for
// tests that moves only when told, so a test steps a service through hours
// of schedule without sleeping.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and waits on it.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// After sends the time on the returned channel once d has passed (at
	// once when d <= 0). The channel has room for the one value, so nobody
	// needs to receive it.
	After(d time.Duration) <-chan time.Time
}

// Real is the machine's clock.
type Real struct{}

// Now is time.Now.
func (Real) Now() time.Time { return time.Now() }

// After is time.After.
func (Real) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Manual is a clock that stands still until Advance or Set moves it; the
// waits that come due then fire. Safe for concurrent use.
type Manual struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	// changed is closed and replaced whenever a wait begins, so
	// WaitForWaiters can block without polling.
	changed chan struct{}
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

// NewManual returns a Manual clock standing at t.
func NewManual(t time.Time) *Manual { return &Manual{now: t, changed: make(chan struct{})} }

// Now is the time the clock stands at.
func (m *Manual) Now() time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.now
}

// After fires once the clock has been moved d on.
func (m *Manual) After(d time.Duration) <-chan time.Time {
	m.mu.Lock()
	defer m.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- m.now
		return ch
	}
	m.waiters = append(m.waiters, waiter{at: m.now.Add(d), ch: ch})
	close(m.changed)
	m.changed = make(chan struct{})
	return ch
}

// Advance moves the clock d on and fires the waits that came due.
func (m *Manual) Advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.setLocked(m.now.Add(d))
}

// Set moves the clock to t (never back: an earlier t is ignored) and fires
// the waits that came due.
func (m *Manual) Set(t time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.After(m.now) {
		m.setLocked(t)
	}
}

func (m *Manual) setLocked(t time.Time) {
	m.now = t
	kept := m.waiters[:0]
	for _, w := range m.waiters {
		if w.at.After(t) {
			kept = append(kept, w)
			continue
		}
		w.ch <- t
	}
	m.waiters = kept
}

// Waiters is how many waits have not fired yet.
func (m *Manual) Waiters() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.waiters)
}

// WaitForWaiters blocks until at least n waits are pending (a service has
// finished its pass and sleeps until the next), or ctx ends.
func (m *Manual) WaitForWaiters(ctx context.Context, n int) error {
	for {
		m.mu.Lock()
		pending, changed := len(m.waiters), m.changed
		m.mu.Unlock()
		if pending >= n {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}
