package detect

import "context"

// Signal is a coalescing wake-up: any number of Signal calls between two
// receives from C give one wake-up, and Signal never blocks.
type Signal struct{ c chan struct{} }

// NewSignal returns a Signal with nothing pending.
func NewSignal() *Signal { return &Signal{c: make(chan struct{}, 1)} }

// Signal marks a wake-up pending.
func (s *Signal) Signal() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// C receives once per pending wake-up.
func (s *Signal) C() <-chan struct{} { return s.c }

// Waker is how a detector hears that results arrived, so that detection
// follows arrivals instead of waiting for its tick (which stays as a safety
// net). postgres.Detection implements it.
type Waker interface {
	// Arrivals receives after an ingest in this process committed new
	// results.
	Arrivals() <-chan struct{}
	// Listen calls wake whenever another replica announces arrivals, until
	// ctx ends; it reconnects by itself and returns only then.
	Listen(ctx context.Context, wake func())
	// Notify announces arrivals to the other replicas.
	Notify(ctx context.Context) error
}
