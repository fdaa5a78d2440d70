package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// uploadState is the uploader's memory between attempts. Only the uploader
// goroutine touches it.
type uploadState struct {
	// limit is the current batch size: halved after 413/400, grown back
	// after each success.
	limit int
	// failures counts consecutive failed attempts, for the backoff.
	failures int
	// authRefused is set while the server refuses the token, so the
	// refusal is logged once rather than every retry.
	authRefused bool
	// unreachable is set while the last failure was the server out of
	// reach: the wait is then cut short when it answers again.
	unreachable bool
	// refused counts consecutive whole-batch refusals of the batch that
	// starts at refusedFrom.
	refused     int
	refusedFrom uint64
	// suspectTo is the last seq of a batch being split to find a refused
	// result; the batch size does not grow back until it is passed.
	suspectTo uint64
	// acceptedWhileSplitting is set when the server took a batch since
	// the split began: proof that it refuses some results, not all.
	acceptedWhileSplitting bool
}

// uploadLoop delivers the spool until ctx is done, or, once stopping is
// closed, until the spool is empty or delivery fails.
func (a *Agent) uploadLoop(ctx context.Context, stopping <-chan struct{}) {
	for {
		sent, wait, err := a.uploadOnce(ctx)
		if err != nil {
			a.log.Error("spool", "err", err)
			wait = a.cfg.BackoffMin
		}
		if ctx.Err() != nil {
			return
		}
		switch {
		case sent > 0 && wait == 0:
			continue // more may be waiting
		case wait > 0:
			select {
			case <-stopping:
				return // no waiting at shutdown: the spool keeps it for next time
			default:
			}
			if a.up.unreachable && wait > a.cfg.ReachCheck {
				if !a.waitReachable(ctx, stopping, wait) {
					return
				}
				continue
			}
			select {
			case <-a.cfg.Clock.After(wait):
			case <-stopping:
				return
			case <-ctx.Done():
				return
			}
		default: // spool empty
			select {
			case <-a.wake:
				a.gather(ctx, stopping)
			case <-stopping:
				select {
				case <-a.wake: // one last append may have just landed
				default:
					return
				}
			case <-ctx.Done():
				return
			}
		}
	}
}

// gather waits UploadDelay after new results arrived so that those of the
// next moments travel in the same request; shutdown cuts it short.
func (a *Agent) gather(ctx context.Context, stopping <-chan struct{}) {
	if a.cfg.UploadDelay <= 0 {
		return
	}
	select {
	case <-a.cfg.Clock.After(a.cfg.UploadDelay):
	case <-stopping:
	case <-ctx.Done():
	}
}

// uploadOnce sends one batch of the oldest unacknowledged results. It
// returns how many it sent (0 when the spool is empty) and how long to wait
// before the next attempt (0 to go on at once).
func (a *Agent) uploadOnce(ctx context.Context) (int, time.Duration, error) {
	recs, err := a.spool.Read(ctx, a.up.limit)
	if err != nil {
		return 0, 0, fmt.Errorf("read spool: %w", err)
	}
	if len(recs) == 0 {
		return 0, 0, nil
	}
	results := make([]probe.Result, 0, len(recs))
	for _, rec := range recs {
		var r probe.Result
		if err := json.Unmarshal(rec.Payload, &r); err != nil {
			// Cannot happen with a CRC-checked record written by this agent;
			// skip it rather than block the spool.
			a.log.Error("undecodable spooled result skipped", "seq", rec.Seq, "err", err)
			continue
		}
		r.Seq = rec.Seq
		results = append(results, r)
	}
	last := recs[len(recs)-1].Seq
	v := a.send(ctx, results)
	a.up.unreachable = v.unreachable
	if v.kind != verdictRefused {
		a.up.refused = 0
	}
	switch v.kind {
	case verdictDelivered, verdictDiscard:
		if err := a.spool.Ack(ctx, last); err != nil {
			return len(recs), a.cfg.BackoffMin, fmt.Errorf("acknowledge delivered results through seq %d: %w", last, err)
		}
		if a.up.failures > 0 || a.up.authRefused {
			a.log.Info("delivering again", "after_failures", a.up.failures)
		}
		a.up.failures, a.up.authRefused = 0, false
		a.up.acceptedWhileSplitting = a.up.suspectTo > 0
		if last >= a.up.suspectTo {
			a.up.suspectTo, a.up.acceptedWhileSplitting = 0, false
			a.up.limit = min(a.up.limit*2, a.cfg.BatchSize)
		}
		return len(recs), 0, nil
	case verdictRefused:
		wait, err := a.refused(ctx, recs, v)
		return len(recs), wait, err
	case verdictSplit:
		a.up.limit = max(len(recs)/2, 1)
		return len(recs), 0, nil
	case verdictAuth:
		if !a.up.authRefused {
			a.log.Error("server refused the probe token; check token or token_file. Results keep spooling",
				"status", v.status, "message", v.message, "retry_in", a.cfg.AuthRetry.String())
		}
		a.up.authRefused = true
		return len(recs), a.cfg.AuthRetry, nil
	case verdictRetryAfter:
		a.up.failures++
		a.log.Warn("server asked to retry later", "status", v.status, "retry_after", v.retryAfter.String())
		return len(recs), v.retryAfter, nil
	}
	a.up.failures++
	wait := a.backoff()
	a.log.Warn("delivery failed, will retry", "status", v.status, "err", v.message,
		"attempt", a.up.failures, "retry_in", wait.String(), "spool_depth", a.spool.Stats().Depth)
	return len(recs), wait, nil
}

// backoff is the wait after the n-th consecutive failure: exponential from
// BackoffMin to BackoffMax, with "equal jitter" (half fixed, half random)
// so offices that lost the link together do not retry together.
func (a *Agent) backoff() time.Duration {
	d := a.cfg.BackoffMax
	if n := a.up.failures - 1; n < 30 {
		d = min(a.cfg.BackoffMin<<n, a.cfg.BackoffMax)
	}
	half := d / 2
	return half + rand.N(half+1)
}
