package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/spool"
)

// ReadyPath is what the uploader asks to learn whether the server answers
// and can take results, below Config.Server.
const ReadyPath = "/readyz"

// refused handles a batch the server refused as a whole. Below
// RefusalsBeforeSplit refusals in a row, or while the server says it is not
// ready (its database is down: every batch would fail, none is to blame),
// it backs off as for any failure. Then it halves the batch, and so on down
// to a single result, which is dropped and counted: one result the server
// always refuses must not block every later one (issue 13).
func (a *Agent) refused(ctx context.Context, recs []spool.Record, v verdict) (time.Duration, error) {
	first, last := recs[0].Seq, recs[len(recs)-1].Seq
	if first == a.up.refusedFrom && a.up.refused > 0 {
		a.up.refused++
	} else {
		a.up.refused, a.up.refusedFrom = 1, first
	}
	ready := a.serverReady(ctx)
	if a.up.refused < a.cfg.RefusalsBeforeSplit || !ready {
		// Not ready (its database is down): wait as for an unreachable
		// server, asking /readyz, so delivery resumes when it recovers.
		a.up.unreachable = !ready
		a.up.failures++
		wait := a.backoff()
		a.log.Warn("server refused the batch, will retry", "status", v.status, "err", v.message,
			"results", len(recs), "first_seq", first, "refusals", a.up.refused, "retry_in", wait.String())
		return wait, nil
	}
	a.up.refused, a.up.failures = 0, 0
	if len(recs) == 1 {
		if !a.up.acceptedWhileSplitting && !a.acceptsNext(ctx) {
			// A server that refuses every result has a fault of its own:
			// dropping would lose them all. Keep them and back off.
			a.up.suspectTo, a.up.limit = 0, a.cfg.BatchSize
			a.up.failures++
			wait := a.backoff()
			a.log.Warn("server refuses the next result too; keeping both and backing off", "seq", last,
				"status", v.status, "err", v.message, "retry_in", wait.String())
			return wait, nil
		}
		if err := a.spool.Drop(ctx, last); err != nil {
			return a.cfg.BackoffMin, fmt.Errorf("drop refused result seq %d: %w", last, err)
		}
		a.log.Error("the server refuses this result every time; dropped it (counted in the drops reported) so the rest can be delivered",
			"seq", last, "payload", truncate(string(recs[0].Payload), 300), "status", v.status, "err", v.message)
		return 0, nil
	}
	if a.up.suspectTo == 0 {
		a.up.acceptedWhileSplitting = false
	}
	a.up.limit = max(len(recs)/2, 1)
	a.up.suspectTo = max(a.up.suspectTo, last)
	a.log.Warn("server refused the same batch repeatedly; splitting it to find the result it refuses",
		"results", len(recs), "first_seq", first, "last_seq", last, "next_batch", a.up.limit)
	return 0, nil
}

// acceptsNext sends the result after the spool's head alone and reports
// whether the server took it: the evidence, when no other batch was taken
// while splitting, that the head is refused for itself. The result stays
// spooled and is sent again after the head (the server keeps it once).
func (a *Agent) acceptsNext(ctx context.Context) bool {
	recs, err := a.spool.Read(ctx, 2)
	if err != nil || len(recs) < 2 {
		return false // nothing to compare with yet: keep the head for now
	}
	var r probe.Result
	if err := json.Unmarshal(recs[1].Payload, &r); err != nil {
		return false
	}
	r.Seq = recs[1].Seq
	return a.send(ctx, []probe.Result{r}).kind == verdictDelivered
}

// waitReachable waits up to wait, asking every ReachCheck whether the
// server answers again; if it does, the backoff is over. It returns false
// when stopping or ctx ended the wait.
func (a *Agent) waitReachable(ctx context.Context, stopping <-chan struct{}, wait time.Duration) bool {
	end := a.cfg.Clock.Now().Add(wait)
	for {
		step := min(a.cfg.ReachCheck, end.Sub(a.cfg.Clock.Now()))
		if step <= 0 {
			return true
		}
		select {
		case <-a.cfg.Clock.After(step):
		case <-stopping:
			return false
		case <-ctx.Done():
			return false
		}
		if !a.cfg.Clock.Now().Before(end) {
			return true
		}
		if a.serverReady(ctx) {
			a.log.Info("server answers again; delivering now", "after_failures", a.up.failures)
			a.up.failures, a.up.unreachable = 0, false
			return true
		}
	}
}

// serverReady asks GET {Server}/readyz: true when the server answers below
// 500 (a server without the route answers 404, which still shows it is
// reachable); false when it cannot be reached or is not ready.
func (a *Agent) serverReady(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.cfg.Server, "/")+ReadyPath, nil)
	if err != nil {
		return false
	}
	req.Header.Set("User-Agent", "pantau-probe/"+a.cfg.Version)
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode < http.StatusInternalServerError
}

// truncate cuts s to at most n bytes for a log line.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
