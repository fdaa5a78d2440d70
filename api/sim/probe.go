package sim

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// vprobe is one simulated office agent: it measures on its schedule, keeps
// results in memory while the server is out of reach (bounded, the oldest
// dropped and counted, as the real spool), and delivers them in order, in
// gzip batches, re-sending a batch until the server answers 200.
type vprobe struct {
	m      Member
	run    *runner
	rng    *rand.Rand
	seq    uint64
	skew   time.Duration
	queue  []probe.Result
	drops  uint64
	offset time.Duration // phase of the schedule
	// failRun counts consecutive failures of CentralTarget; markSeq is the
	// result that completed the fail threshold in the watched cut, until the
	// answer to the batch carrying it arrives (see Figures.Completed).
	failRun int
	markSeq uint64
	marked  bool
	// okRun counts consecutive successes of CentralTarget; recSeq is the
	// result that completed the recover threshold after the watched cut,
	// for a probe marked in it, until the answer to its batch arrives (see
	// Figures.Recovered).
	okRun     int
	recSeq    uint64
	recMarked bool
}

// tick measures every target at now (the probe's clock is now+skew).
func (p *vprobe) tick(now time.Time, link Link) {
	at := now.Add(p.skew).UTC()
	targets := []struct {
		name string
		up   bool
	}{{CentralTarget, link.Central}, {InternetTarget, link.Internet}}
	if _, ok := p.m.TargetIDs[SecondCentralTarget]; ok {
		targets = append(targets, struct {
			name string
			up   bool
		}{SecondCentralTarget, link.Central})
	}
	for _, t := range targets {
		p.seq++
		if t.name == CentralTarget {
			p.watch(now, t.up)
		}
		r := probe.Result{Seq: p.seq, Target: t.name, ObservedAt: at, OK: t.up, LatencyMS: 8 + p.rng.ExpFloat64()*30}
		if !t.up {
			r.Failure, r.LatencyMS, r.Detail = probe.FailTimeout, 5000, "simulated cut"
		}
		if len(p.queue) >= p.run.cfg.MaxQueue {
			p.queue = p.queue[1:]
			p.drops++
			p.run.stats.dropped.Add(1)
		}
		p.queue = append(p.queue, r)
		p.run.stats.generated.Add(1)
	}
}

// watch follows CentralTarget's consecutive failures and marks the result
// that completes the fail threshold inside the watched cut (p.seq, about
// to be queued).
func (p *vprobe) watch(now time.Time, up bool) {
	w := p.run.watch
	since := now.Sub(p.run.start)
	if up {
		p.failRun = 0
		p.okRun++
		if w != nil && p.marked && !p.recMarked && p.okRun == p.run.cfg.RecoverThreshold && since >= w.End {
			p.recSeq, p.recMarked = p.seq, true
		}
		return
	}
	p.okRun = 0
	p.failRun++
	if w != nil && !p.marked && p.failRun == p.run.cfg.FailThreshold && since >= w.Start && since < w.End {
		p.markSeq, p.marked = p.seq, true
	}
}

// flush delivers the queue in batches while the server answers; it stops at
// the first failure and leaves the rest queued for the next try.
func (p *vprobe) flush(ctx context.Context) error {
	// A request under way finishes (within RequestTimeout) when the run
	// ends, so the end of a run does not turn into lost answers and resends.
	sendCtx := context.WithoutCancel(ctx)
	for len(p.queue) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := min(len(p.queue), p.run.cfg.Batch)
		if err := p.send(sendCtx, p.queue[:n]); err != nil {
			return err
		}
		p.queue = p.queue[n:]
	}
	return nil
}

// simGzipLevel is the simulated probes' compression. The agent uses the
// default level, whose writer clears 640 KB of match tables on every Reset:
// for a batch of three results that was ~30 % of the load generator's CPU
// at 1,000 requests/s (perf, third soak phase), on the two cores it shares
// with the server. BestSpeed keeps no such tables; its stream is as valid
// and inflates at the same cost (BenchmarkInflate*), so the server's work
// is unchanged.
const simGzipLevel = gzip.BestSpeed

// bufPool recycles gzip writers and buffers: thousands of probes send often.
var bufPool = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, simGzipLevel) // the level is valid
	return &encoder{zw: zw}
}}

type encoder struct {
	buf bytes.Buffer
	zw  *gzip.Writer
}

func (p *vprobe) send(ctx context.Context, rs []probe.Result) error {
	// The load generator must not be what limits a run: at most MaxInFlight
	// requests (and as many gzip writers, ~1 MB each) at once.
	select {
	case p.run.inflight <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-p.run.inflight }()
	enc := bufPool.Get().(*encoder)
	defer bufPool.Put(enc)
	enc.buf.Reset()
	enc.zw.Reset(&enc.buf)
	b := probe.Batch{Office: p.m.Office.Code, Results: rs, Agent: probe.AgentInfo{Version: "sim", OS: "linux", Arch: "amd64",
		SpoolDepth: int64(len(p.queue)), Dropped: p.drops, ClockOffsetMS: -p.skew.Milliseconds()}}
	if err := json.NewEncoder(enc.zw).Encode(b); err != nil {
		return fmt.Errorf("encode batch: %w", err)
	}
	if err := enc.zw.Close(); err != nil {
		return fmt.Errorf("compress batch: %w", err)
	}
	rctx, cancel := context.WithTimeout(ctx, p.run.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, p.run.cfg.Server+"/api/v1/results", bytes.NewReader(enc.buf.Bytes()))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+p.m.Token)
	start := time.Now()
	resp, err := p.run.client.Do(req)
	if err != nil {
		p.run.stats.failedRequests.Add(1)
		return fmt.Errorf("post batch: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	p.run.latency.observe(time.Since(start))
	if err != nil {
		p.run.stats.failedRequests.Add(1)
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		p.run.stats.failedRequests.Add(1)
		return fmt.Errorf("post batch: status %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	var br probe.BatchResponse
	if err := json.Unmarshal(raw, &br); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	if p.markSeq != 0 && rs[0].Seq <= p.markSeq && p.markSeq <= rs[len(rs)-1].Seq {
		p.run.completed(p.m.Office.Code, time.Now())
		p.markSeq = 0
	}
	if p.recSeq != 0 && rs[0].Seq <= p.recSeq && p.recSeq <= rs[len(rs)-1].Seq {
		p.run.recovered(p.m.Office.Code, time.Now())
		p.recSeq = 0
	}
	p.run.stats.requests.Add(1)
	p.run.stats.accepted.Add(int64(br.Accepted))
	p.run.stats.duplicates.Add(int64(br.Duplicates))
	p.run.stats.rejected.Add(int64(len(br.Rejected)))
	return nil
}

// loop runs the probe until ctx ends: a check every interval from its phase,
// a delivery attempt after each when the server is reachable, with backoff
// (doubling up to 8 intervals) after a failed one.
func (p *vprobe) loop(ctx context.Context) {
	iv := p.m.Interval
	timer := time.NewTimer(p.offset)
	defer timer.Stop()
	var retryAt time.Time
	backoff := iv
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		now := time.Now()
		link := p.run.script.At(p.m.Office.Code, p.m.Office.ProvinceCode, now.Sub(p.run.start))
		p.tick(now, link)
		if link.Server && !now.Before(retryAt) {
			if err := p.flush(ctx); err != nil {
				retryAt = now.Add(backoff)
				backoff = min(2*backoff, 8*iv)
			} else {
				backoff = iv
			}
		}
		timer.Reset(iv)
	}
}

// drain delivers what is left after the run, retrying until ctx ends.
func (p *vprobe) drain(ctx context.Context) {
	for len(p.queue) > 0 {
		if err := p.flush(ctx); err == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}
