package postgres

import (
	"context"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/pantau-id/pantau/api"
)

// HashGate bounds how many password hashes run at once. Each argon2id hash
// takes argonMemory (64 MiB) for its duration; unbounded, forty parallel
// login attempts (no account needed) took a server past 3 GiB. A hash that
// finds no free slot within the wait is refused as busy, with a Retry-After,
// instead of queueing memory.
type HashGate struct {
	slots chan struct{}
	wait  time.Duration
}

// NewHashGate allows n hashes at once (at least 1); others wait up to wait.
func NewHashGate(n int, wait time.Duration) *HashGate {
	return &HashGate{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// DefaultHashSlots sizes the gate to memory: with a Go memory limit
// (GOMEMLIMIT) a quarter of it for hashing, between 1 and 4 slots;
// without one, 2 (128 MiB of hashing at most).
func DefaultHashSlots() int {
	limit := debug.SetMemoryLimit(-1)
	if limit <= 0 || limit == 1<<63-1 {
		return 2
	}
	return int(min(max(limit/4/(argonMemory*1024), 1), 4))
}

// DefaultHashWait is how long a login waits for a hashing slot: a burst of
// a few real users passes, a flood gets 429.
const DefaultHashWait = 2 * time.Second

// do runs fn in a slot, or returns a busy *api.ThrottledError after the
// gate's wait (or ctx's end).
func (g *HashGate) do(ctx context.Context, fn func()) error {
	timer := time.NewTimer(g.wait)
	defer timer.Stop()
	select {
	case g.slots <- struct{}{}:
	case <-timer.C:
		return &api.ThrottledError{RetryAfter: time.Second, Busy: true}
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.slots }()
	fn()
	// The hash's 64 MiB is garbage now; collect it before the next hash
	// allocates, or the heap grows to twice the slots' worth before the
	// collector's own pace catches up (measured by make abuse: +320 MB
	// with 2 slots without this). A login takes a collection's few
	// milliseconds more.
	runtime.GC()
	return nil
}

// SetHashGate replaces the store's gate (serve's -login-concurrency).
func (s *Store) SetHashGate(g *HashGate) { s.hashes = g }
