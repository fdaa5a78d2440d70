package clock

import (
	"context"
	"testing"
	"time"
)

var t0 = time.Date(2020, 1, 8, 8, 0, 0, 0, time.UTC)

func fired(ch <-chan time.Time) (time.Time, bool) {
	select {
	case t := <-ch:
		return t, true
	default:
		return time.Time{}, false
	}
}

func TestManualFiresWaitsWhenTheyComeDue(t *testing.T) {
	m := NewManual(t0)
	if now := m.Now(); !now.Equal(t0) {
		t.Fatalf("Now %v, want %v", now, t0)
	}
	if at, ok := fired(m.After(0)); !ok || !at.Equal(t0) {
		t.Fatalf("After(0): %v %v, want at once", at, ok)
	}
	minute, hour := m.After(time.Minute), m.After(time.Hour)
	if m.Waiters() != 2 {
		t.Fatalf("%d waiters, want 2", m.Waiters())
	}
	m.Advance(59 * time.Second)
	if _, ok := fired(minute); ok {
		t.Fatal("a minute's wait fired after 59 s")
	}
	m.Advance(time.Second)
	if at, ok := fired(minute); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Fatalf("a minute's wait: %v %v, want fired at %v", at, ok, t0.Add(time.Minute))
	}
	m.Set(t0) // back: ignored
	if !m.Now().Equal(t0.Add(time.Minute)) {
		t.Fatalf("Set moved the clock back to %v", m.Now())
	}
	m.Set(t0.Add(2 * time.Hour))
	if at, ok := fired(hour); !ok || !at.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("an hour's wait after Set: %v %v", at, ok)
	}
	if m.Waiters() != 0 {
		t.Fatalf("%d waiters left", m.Waiters())
	}
}

func TestWaitForWaitersBlocksUntilAWaitBegins(t *testing.T) {
	m := NewManual(t0)
	go func() { <-m.After(time.Second) }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := m.WaitForWaiters(ctx, 1); err != nil {
		t.Fatal(err)
	}
	short, cancelShort := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancelShort()
	if err := m.WaitForWaiters(short, 2); err == nil {
		t.Fatal("WaitForWaiters(2) returned with one waiter")
	}
	m.Advance(time.Second)
}

func TestRealIsTheMachinesClock(t *testing.T) {
	var c Clock = Real{}
	before := time.Now()
	if now := c.Now(); now.Before(before) {
		t.Fatalf("Real.Now %v before time.Now %v", now, before)
	}
	select {
	case <-c.After(time.Millisecond):
	case <-time.After(10 * time.Second):
		t.Fatal("Real.After(1ms) did not fire in 10 s")
	}
}
