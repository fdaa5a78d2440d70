package agent

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// ResultsPath is where batches are posted, below Config.Server.
const ResultsPath = "/api/v1/results"

// maxRetryAfter caps a server's Retry-After so a typo cannot park the agent.
const maxRetryAfter = time.Hour

// verdictKind is what the uploader does after one attempt.
type verdictKind int

const (
	verdictRetry      verdictKind = iota // network error, 5xx: back off and resend
	verdictDelivered                     // 200: acknowledge the batch
	verdictDiscard                       // 413 on a single result: acknowledge and log
	verdictSplit                         // 413, or 400 on several results: resend in smaller batches
	verdictAuth                          // 401/403: retry slowly
	verdictRetryAfter                    // 429/503 with Retry-After: wait as told
	verdictRefused                       // 5xx from the server itself, 400 on one result: this batch may be the cause
)

// verdict is the outcome of one POST.
type verdict struct {
	kind verdictKind
	// unreachable marks a retry because the server could not be reached
	// (no answer, or a gateway saying so), as opposed to its refusal.
	unreachable bool
	status      int
	message     string
	retryAfter  time.Duration
}

// send posts one batch and classifies the answer.
func (a *Agent) send(ctx context.Context, results []probe.Result) verdict {
	body, err := a.encodeBatch(probe.Batch{Agent: a.Info(), Results: results})
	if err != nil {
		return verdict{kind: verdictRetry, message: err.Error()}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(a.cfg.Server, "/")+ResultsPath, bytes.NewReader(body))
	if err != nil {
		return verdict{kind: verdictRetry, message: fmt.Sprintf("build request: %v", err)}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+a.cfg.Token)
	req.Header.Set("User-Agent", "pantau-probe/"+a.cfg.Version)
	sent := a.cfg.Clock.Now()
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return verdict{kind: verdictRetry, unreachable: true, message: fmt.Sprintf("post batch: %v", err)}
	}
	defer func() { _ = resp.Body.Close() }()
	a.noteClock(resp.Header.Get("Date"), sent, a.cfg.Clock.Now())
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return verdict{kind: verdictRetry, status: resp.StatusCode, message: fmt.Sprintf("read answer: %v", err)}
	}
	v := verdict{status: resp.StatusCode}
	switch code := resp.StatusCode; {
	case code == http.StatusOK:
		v.kind = verdictDelivered
		a.logAnswer(raw, results)
		a.reported()
		return v
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		v.kind = verdictAuth
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), a.cfg.Clock.Now()); ok {
			v.kind, v.retryAfter = verdictRetryAfter, d
		}
	case code == http.StatusRequestEntityTooLarge && len(results) == 1:
		// One result too large for the server: resending cannot help.
		v.kind = verdictDiscard
	case code == http.StatusRequestEntityTooLarge || code == http.StatusBadRequest && len(results) > 1:
		// Too large, or too many results for the server's batch limit.
		v.kind = verdictSplit
	}
	switch code := resp.StatusCode; {
	case v.kind != verdictRetry:
	case code == http.StatusBadGateway || code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout:
		// A proxy (or the server) saying the server is out of reach.
		v.unreachable = true
	case code >= 500 || code == http.StatusBadRequest:
		// The server answered and refused this batch as a whole: perhaps
		// for one result in it (issue 13: a NUL byte once made the whole
		// batch 500). The uploader retries, then splits (see refused).
		v.kind = verdictRefused
	}
	v.message = errorMessage(raw)
	if v.kind == verdictDiscard {
		a.log.Error("server refuses a result as too large; dropping it so the spool moves on",
			"seq", results[0].Seq, "target", results[0].Target, "status", v.status, "err", v.message)
	}
	return v
}

// logAnswer logs the rejected items of a 200 answer. They are acknowledged
// with the rest: the server named them and resending cannot fix them.
func (a *Agent) logAnswer(raw []byte, results []probe.Result) {
	var br probe.BatchResponse
	if err := json.Unmarshal(raw, &br); err != nil {
		a.log.Warn("unreadable answer to a delivered batch", "err", err)
		return
	}
	for _, rj := range br.Rejected {
		target := ""
		if rj.Index >= 0 && rj.Index < len(results) {
			target = results[rj.Index].Target
		}
		a.log.Warn("server rejected a result", "seq", rj.Seq, "index", rj.Index, "target", target,
			"field", rj.Field, "reason", rj.Reason)
	}
	a.log.Debug("batch delivered", "results", len(results), "accepted", br.Accepted,
		"duplicates", br.Duplicates, "rejected", len(br.Rejected))
}

// encodeBatch writes b as gzip-compressed JSON. The compressor and buffer
// are reused between batches (only the uploader goroutine calls this): a
// fresh gzip writer allocates about 800 KB.
func (a *Agent) encodeBatch(b probe.Batch) ([]byte, error) {
	a.buf.Reset()
	if a.zw == nil {
		a.zw = gzip.NewWriter(&a.buf)
	} else {
		a.zw.Reset(&a.buf)
	}
	if err := json.NewEncoder(a.zw).Encode(b); err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	if err := a.zw.Close(); err != nil {
		return nil, fmt.Errorf("compress batch: %w", err)
	}
	return a.buf.Bytes(), nil
}

// errorMessage extracts the message of an ErrorBody, or the raw text.
func errorMessage(raw []byte) string {
	var eb probe.ErrorBody
	if err := json.Unmarshal(raw, &eb); err == nil && eb.Error.Message != "" {
		if eb.Error.Field != "" {
			return eb.Error.Field + ": " + eb.Error.Message
		}
		return eb.Error.Message
	}
	if len(raw) > 200 {
		raw = raw[:200]
	}
	return strings.TrimSpace(string(raw))
}

// parseRetryAfter reads delay-seconds or an HTTP date.
func parseRetryAfter(h string, now time.Time) (time.Duration, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(h); err == nil && secs >= 0 {
		return min(time.Duration(secs)*time.Second, maxRetryAfter), true
	}
	if t, err := http.ParseTime(h); err == nil {
		return min(max(t.Sub(now), 0), maxRetryAfter), true
	}
	return 0, false
}

// noteClock records the offset of the server's clock from ours, from its
// Date header. Date has whole seconds and is truncated, so the server's time
// is taken as Date + 0.5 s, compared with the middle of the round trip.
func (a *Agent) noteClock(date string, sent, received time.Time) {
	t, err := http.ParseTime(date)
	if err != nil {
		return
	}
	mid := sent.Add(received.Sub(sent) / 2)
	sample := t.Add(500 * time.Millisecond).Sub(mid)
	off, prev := a.clock.note(sample)
	// Results are corrected by this offset, but only while the agent runs
	// and talks to the server: say once when the clock goes wrong (and
	// once when fixed).
	if skewed, was := off.Abs() > maxClockSkew, prev.Abs() > maxClockSkew; skewed && !was {
		a.log.Warn("this computer's clock differs from the server's; result times are corrected by the offset, but set the clock (NTP)",
			"offset", off.Round(time.Second).String())
	} else if !skewed && was {
		a.log.Info("clock agrees with the server again", "offset", off.Round(time.Millisecond).String())
	}
}

// maxClockSkew is the clock offset from the server past which the agent warns.
const maxClockSkew = time.Minute

// minCorrection is the smallest offset applied to results: Date has whole
// seconds, so a smaller one cannot be told from noise, and a clock kept by
// NTP is better left alone.
const minCorrection = time.Second

// clockOffset smooths the offset samples of the server's clock from ours:
// the first sample is taken as is, later ones move the estimate a quarter
// of the way (an exponential moving average), so one slow answer does not
// jump every result's time. A jump of more than a minute (the clock was
// set) is taken at once.
type clockOffset struct {
	mu    sync.Mutex
	known bool
	off   time.Duration
}

// note adds a sample; it returns the new estimate and the previous one.
func (c *clockOffset) note(sample time.Duration) (cur, prev time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev = c.off
	switch {
	case !c.known || (sample-c.off).Abs() > maxClockSkew:
		c.off = sample
	default:
		c.off += (sample - c.off) / 4
	}
	c.known = true
	return c.off, prev
}

// get returns the estimate and whether there is one.
func (c *clockOffset) get() (time.Duration, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.off, c.known
}

// correct sets r.LocalAt to r's local time and moves ObservedAt onto the
// server's clock when the offset is known and not within noise.
func (c *clockOffset) correct(r *probe.Result) {
	r.LocalAt = r.ObservedAt
	if off, ok := c.get(); ok && off.Abs() >= minCorrection {
		r.ObservedAt = r.ObservedAt.Add(off)
	}
}
