package agent

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// writeBatch is the most results appended to the spool with one fsync.
const writeBatch = 64

// writeWindow is how long the writer waits after a result for others to
// share its fsync. Results are not spooled, and so not safe from a crash,
// until the window ends; it is short next to any check interval.
const writeWindow = 250 * time.Millisecond

// schedule checks t every iv until ctx is done. The first check comes
// after a random phase within one interval, and each later one is jittered
// by up to ±5 %, so targets and offices do not fire in lockstep.
func (a *Agent) schedule(ctx context.Context, t probe.Target, iv time.Duration, out chan<- probe.Result) {
	next := time.Now().Add(rand.N(iv))
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		r := a.checker.Run(ctx, t)
		if ctx.Err() != nil {
			return // cut short by shutdown: not a real observation
		}
		select {
		case out <- r:
		case <-ctx.Done():
			return
		}
		jitter := time.Duration(0)
		if span := iv / 10; span > 0 {
			jitter = rand.N(span) - span/2
		}
		next = next.Add(iv + jitter)
		if now := time.Now(); next.Before(now) {
			// The check overran its interval: skip the missed slots.
			next = now.Add(iv)
		}
		timer.Reset(time.Until(next))
	}
}

// writeLoop spools results as they come, grouping those already waiting
// into one append (one fsync), and wakes the uploader. It returns when in is
// closed and drained.
func (a *Agent) writeLoop(ctx context.Context, in <-chan probe.Result) {
	batch := make([]probe.Result, 0, writeBatch)
	window := time.NewTimer(0)
	defer window.Stop()
	for r := range in {
		batch = append(batch[:0], r)
		window.Reset(writeWindow)
	collect:
		for len(batch) < writeBatch {
			select {
			case r, ok := <-in:
				if !ok {
					break collect // shutting down: spool what we have now
				}
				batch = append(batch, r)
			case <-window.C:
				break collect
			}
		}
		a.spoolResults(ctx, batch)
	}
}

// spoolResults appends results to the spool and wakes the uploader.
func (a *Agent) spoolResults(ctx context.Context, rs []probe.Result) {
	payloads := make([][]byte, 0, len(rs))
	for _, r := range rs {
		r.Seq = 0 // the spool assigns it
		// On the server's clock, fixed now: a re-delivery must carry the
		// same time, or the server refuses it as a conflict.
		a.clock.correct(&r)
		b, err := json.Marshal(r)
		if err != nil {
			a.log.Error("encode result", "target", r.Target, "err", err)
			continue
		}
		payloads = append(payloads, b)
	}
	if _, err := a.spool.Append(ctx, payloads...); err != nil {
		a.log.Error("spool results", "results", len(payloads), "err", err)
		return
	}
	select {
	case a.wake <- struct{}{}:
	default:
	}
}
