package postgres

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

func request(office string, id int64, rows int) *ingestRequest {
	return &ingestRequest{p: api.Probe{OfficeCode: office, ID: id}, items: make([]api.IngestItem, rows)}
}

// TestGroupTakesOneRequestPerProbe: a probe's second request waits for the
// next group, in arrival order, and the bounds hold.
func TestGroupTakesOneRequestPerProbe(t *testing.T) {
	a1, b, a2, c, a3 := request("73.71", 1, 3), request("73.71", 2, 3), request("73.71", 1, 3), request("73.72", 1, 3), request("73.71", 1, 3)
	col := newCollector(nil)
	col.pending = []*ingestRequest{a1, b, a2, c, a3}
	if g := col.take(); len(g) != 3 || g[0] != a1 || g[1] != b || g[2] != c {
		t.Fatalf("first group %v, want a1 b c", g)
	}
	if len(col.pending) != 2 || col.pending[0] != a2 || col.pending[1] != a3 {
		t.Fatalf("left %v, want a2 a3", col.pending)
	}
	if g := col.take(); len(g) != 1 || g[0] != a2 {
		t.Fatalf("second group %v, want a2", g)
	}
	if g := col.take(); len(g) != 1 || g[0] != a3 || len(col.pending) != 0 {
		t.Fatalf("third group %v (left %d), want a3", g, len(col.pending))
	}
	if !a1.taken || !a3.taken {
		t.Fatal("taken not marked")
	}

	big, small := request("73.71", 1, groupRows), request("73.71", 2, 1)
	col.pending = []*ingestRequest{big, small}
	if g := col.take(); len(g) != 1 || g[0] != big {
		t.Fatalf("a full group took %d requests", len(g))
	}
	var many []*ingestRequest
	for i := range groupRequests + 5 {
		many = append(many, request("73.71", int64(i), 1))
	}
	col.pending = many
	if g := col.take(); len(g) != groupRequests || len(col.pending) != 5 {
		t.Fatalf("group of %d, %d left; want %d and 5", len(g), len(col.pending), groupRequests)
	}
}

// TestQueuedRequestLeavesWithItsContext: a caller whose context ends while
// queued gets ctx.Err() and is no longer queued; one whose group has begun
// gets the group's answer.
func TestQueuedRequestLeavesWithItsContext(t *testing.T) {
	started, release := make(chan struct{}), make(chan struct{})
	col := newCollector(func(ctx context.Context, g []*ingestRequest) {
		close(started)
		<-release
		for _, r := range g {
			r.done <- ingestAnswer{out: api.IngestOutcome{Accepted: len(r.items)}}
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	got := make(chan ingestAnswer, 1)
	go func() { got <- col.submit(ctx, request("73.71", 1, 2)) }()
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("group never started")
	}
	cancel()
	// Queued behind it with both flushes busy: a request that must leave.
	col.mu.Lock()
	col.flushing = groupFlushes
	col.mu.Unlock()
	if a := col.submit(ctx, request("73.71", 2, 1)); !errors.Is(a.err, context.Canceled) {
		t.Fatalf("queued request with an ended context: %+v", a)
	}
	col.mu.Lock()
	if n := len(col.pending); n != 0 {
		t.Fatalf("%d requests still queued", n)
	}
	col.flushing = 1
	col.mu.Unlock()
	close(release)
	select {
	case a := <-got:
		if a.err != nil || a.out.Accepted != 2 {
			t.Fatalf("taken request: %+v, want the group's answer", a)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no answer")
	}
	col.close()
	if a := col.submit(context.Background(), request("73.71", 3, 1)); a.err == nil {
		t.Fatal("a closed collector took a request")
	}
}
