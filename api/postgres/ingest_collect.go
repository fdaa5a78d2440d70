package postgres

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// Group commit. At 10,000 service points every 10 s ingest is ~1,000
// requests/s of ~3 results each, and each request alone is a transaction
// with a commit that waits for its WAL flush: the database's
// per-transaction cost, not its rows, was the limit (docs/scaling.md).
// The collector coalesces concurrent IngestResults calls into one
// transaction (ingest_group.go): while a group commits, the requests that
// arrive wait and form the next one, so the groups grow with the load and a
// lone request still goes at once.

// Bounds of one group.
const (
	// groupFlushes is how many groups may be in flight: one can commit
	// (wait for its WAL flush) while the next does its work.
	groupFlushes = 2
	// groupRequests and groupRows bound one group.
	groupRequests = 256
	groupRows     = 4096
	// aloneFrom is the batch size from which a request keeps a transaction
	// of its own: its rows, not its commit, are its cost, and in a group it
	// would hold up the small requests that share the commit (an agent
	// replaying its spool sends 500 at a time).
	aloneFrom = 256
	// groupTimeout bounds one group's transaction; it does not depend on
	// any caller's context, since the group answers all of them.
	groupTimeout = time.Minute
)

// ingestRequest is one caller's batch on its way into a group.
type ingestRequest struct {
	p     api.Probe
	agent probe.AgentInfo
	items []api.IngestItem
	taken bool              // a group has it (collector.mu)
	done  chan ingestAnswer // buffered: the group never waits for its caller
}

// ingestAnswer is what the group says to one request.
type ingestAnswer struct {
	out api.IngestOutcome
	err error
	// alone: the group's transaction failed and the request was stored by
	// itself.
	alone bool
}

// collector queues requests and runs their groups.
type collector struct {
	flush func(ctx context.Context, group []*ingestRequest)

	mu       sync.Mutex
	pending  []*ingestRequest
	flushing int
	closed   bool
	wg       sync.WaitGroup // running groups, for Close
	// groups and grouped count the groups taken and their requests.
	groups, grouped int64
}

func newCollector(flush func(context.Context, []*ingestRequest)) *collector {
	return &collector{flush: flush}
}

// submit queues r and waits for its group's answer. A caller whose ctx ends
// while r is still queued gets ctx.Err() and r is dropped; once a group has
// taken r its outcome is the group's (the commit may already be under way).
func (c *collector) submit(ctx context.Context, r *ingestRequest) ingestAnswer {
	r.done = make(chan ingestAnswer, 1)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ingestAnswer{err: errors.New("ingest: the store is closed")}
	}
	c.pending = append(c.pending, r)
	if c.flushing < groupFlushes {
		c.flushing++
		c.wg.Add(1)
		go c.run()
	}
	c.mu.Unlock()
	select {
	case a := <-r.done:
		return a
	case <-ctx.Done():
	}
	c.mu.Lock()
	if !r.taken {
		c.pending = slices.DeleteFunc(c.pending, func(q *ingestRequest) bool { return q == r })
		c.mu.Unlock()
		return ingestAnswer{err: ctx.Err()}
	}
	c.mu.Unlock()
	return <-r.done
}

// run flushes groups until nothing is pending.
func (c *collector) run() {
	defer c.wg.Done()
	for {
		c.mu.Lock()
		group := c.take()
		if len(group) == 0 {
			c.flushing--
			c.mu.Unlock()
			return
		}
		c.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
		c.flush(ctx, group)
		cancel()
	}
}

// take removes the next group from pending (c.mu held): requests in
// arrival order up to the bounds, at most one per probe. A probe's second
// request stays pending for the next group, which then sees what the first
// stored (its max_seq, its seqs), exactly as two requests one after the
// other.
func (c *collector) take() []*ingestRequest {
	var (
		group  []*ingestRequest
		rows   int
		probes = map[probeKey]bool{}
		rest   = c.pending[:0]
	)
	for i, r := range c.pending {
		k := probeKey{r.p.OfficeCode, r.p.ID}
		full := len(group) == groupRequests || (len(group) > 0 && rows+len(r.items) > groupRows)
		if full {
			rest = append(rest, c.pending[i:]...)
			break
		}
		if probes[k] {
			rest = append(rest, r)
			continue
		}
		probes[k] = true
		r.taken = true
		rows += len(r.items)
		group = append(group, r)
	}
	clear(c.pending[len(rest):]) // no stale pointers in the backing array
	c.pending = rest
	if len(group) > 0 {
		c.groups++
		c.grouped += int64(len(group))
	}
	return group
}

// close refuses new requests and returns once every queued one has been
// stored and answered.
func (c *collector) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
}

// probeKey names a probe.
type probeKey struct {
	office string
	id     int64
}
