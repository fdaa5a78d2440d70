package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// upload is one agent batch: a probe's results over batch-ticks checks.
type upload struct {
	probe   int
	results []probe.Result
	newest  time.Time
	// opens is the start of the central outage whose third failure this
	// upload carries (the one that opens it), if any.
	opens *time.Time
}

// items resolves target names to ids.
func (u upload) items(ids map[string]int64) []api.IngestItem {
	out := make([]api.IngestItem, len(u.results))
	for i, r := range u.results {
		out[i] = api.IngestItem{TargetID: ids[r.Target], Result: r}
	}
	return out
}

// workload is the same results for both phases.
type workload struct {
	cfg     config
	start   time.Time
	batches []upload
	rows    int
}

// newWorkload makes each probe's central target fail for one or two runs of
// 4 to 20 checks (a third of the probes together, mid-way, as a national
// cut), the internet reference answering throughout. Uploads interleave the
// probes in time order, as live agents do.
func newWorkload(cfg config, start time.Time) *workload {
	r := rng()
	w := &workload{cfg: cfg, start: start}
	fails := make([][]bool, cfg.probes)
	for p := range fails {
		fails[p] = make([]bool, cfg.ticks)
		runs := [][2]int{}
		if p%3 == 0 {
			runs = append(runs, [2]int{cfg.ticks / 2, 12})
		}
		for range 1 + r.IntN(2) {
			runs = append(runs, [2]int{r.IntN(max(1, cfg.ticks-20)), 4 + r.IntN(17)})
		}
		for _, run := range runs {
			for i := run[0]; i < min(cfg.ticks, run[0]+run[1]); i++ {
				fails[p][i] = true
			}
		}
	}
	at := func(i int) time.Time { return start.Add(time.Duration(i) * 30 * time.Second) }
	opens := make([][]bool, cfg.probes)
	for p := range opens {
		opens[p] = outageOpenings(fails[p], api.DefaultThresholds)
	}
	for k := 0; k < cfg.ticks; k += cfg.batchTicks {
		for p := range cfg.probes {
			u := upload{probe: p}
			for i := k; i < min(cfg.ticks, k+cfg.batchTicks); i++ {
				seq := uint64(2*i + 1)
				u.results = append(u.results,
					result(seq, "central", at(i), !fails[p][i]),
					result(seq+1, "internet", at(i).Add(time.Second), true))
				u.newest = at(i).Add(time.Second)
				if opens[p][i] {
					s := at(i - api.DefaultThresholds.Fail + 1)
					u.opens = &s
				}
			}
			w.rows += len(u.results)
			w.batches = append(w.batches, u)
		}
	}
	return w
}

// outageOpenings marks the checks that open an outage under th (the
// targets' thresholds): the Fail-th failure in a row while up. A run of
// failures that follows the last one after fewer than Recover successes
// belongs to the same outage and opens none (counting every run's third
// failure as an opening awaited, once, an outage that never came: the
// watcher then polled for it to the end of the run, through both sides'
// turns, and waited 30 s for it at the end).
func outageOpenings(fails []bool, th api.Thresholds) []bool {
	out := make([]bool, len(fails))
	down, run := false, 0
	for i, f := range fails {
		if f == down {
			run = 0 // a check that agrees with the state ends a run against it
			continue
		}
		run++
		switch {
		case !down && run >= th.Fail:
			down, run, out[i] = true, 0, true
		case down && run >= th.Recover:
			down, run = false, 0
		}
	}
	return out
}

func result(seq uint64, target string, at time.Time, ok bool) probe.Result {
	r := probe.Result{Seq: seq, Target: target, ObservedAt: at, OK: ok, LatencyMS: 12}
	if !ok {
		r.Failure = probe.FailTimeout
	}
	return r
}

// benchProbe is one probe and its target ids.
type benchProbe struct {
	probe api.Probe
	ids   map[string]int64
}

// setup creates the offices (ten per province), targets and probes.
func (w *workload) setup(ctx context.Context, store *postgres.Store) ([]benchProbe, error) {
	var (
		provs   []api.Province
		offices []api.Office
	)
	for p := range w.cfg.probes {
		prov := fmt.Sprintf("%02d", 11+p/10)
		if p%10 == 0 {
			provs = append(provs, api.Province{Code: prov, Name: "Provinsi " + prov, TZ: "Asia/Jakarta"})
		}
		offices = append(offices, api.Office{Code: fmt.Sprintf("%s.%02d", prov, p%10+1), Name: "Kab bench", ProvinceCode: prov, Kind: "kabupaten", TZ: "Asia/Jakarta"})
	}
	if err := store.UpsertRegions(ctx, provs, offices, nil); err != nil {
		return nil, err
	}
	out := make([]benchProbe, len(offices))
	for i, o := range offices {
		for _, t := range []probe.Target{
			{Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"},
			{Name: "internet", Kind: probe.KindInternet, Check: probe.CheckTCP, Address: "127.0.0.1:2"},
		} {
			if _, err := store.CreateTarget(ctx, api.Target{OfficeCode: o.Code, Spec: t}); err != nil {
				return nil, err
			}
		}
		p, _, err := store.CreateProbe(ctx, o.Code, "bench")
		if err != nil {
			return nil, err
		}
		ids, err := store.TargetIDs(ctx, o.Code)
		if err != nil {
			return nil, err
		}
		out[i] = benchProbe{probe: p, ids: ids}
	}
	// Partitions for the whole run exist before timing starts.
	for t := w.start; !t.After(w.start.Add(time.Duration(w.cfg.ticks) * 30 * time.Second)); t = t.Add(24 * time.Hour) {
		if err := store.EnsurePartition(ctx, t); err != nil {
			return nil, err
		}
	}
	return out, store.EnsurePartition(ctx, w.start.Add(time.Duration(w.cfg.ticks)*30*time.Second))
}

// outageKey names one outage.
type outageKey struct {
	office        string
	probe, target int64
	start         int64 // unix ns
}

// latencies pairs the commit of each opening upload with the moment its
// outage row is first visible.
//
// Only the detector's evaluations write outage rows, so the watcher looks
// when one commits (evaluated), for the outages awaited of the probes it
// took, instead of polling the database: polling every 10 ms ran only
// beside the side with detection and cost it about as much as the
// detector's own statements (~3,800 polls a run, ~1 s of CPU in this
// process and the database together), which the ratio then charged to
// detection. An outage found counts from its upload's commit to the
// return of the evaluation that committed it.
type latencies struct {
	mu      sync.Mutex
	pending map[outageKey]time.Time // committed, not yet seen
	// evaluated is when an evaluation that took the probe last returned.
	evaluated map[detect.ProbeRef]time.Time
	checks    chan latencyCheck
	done      []time.Duration
}

// latencyCheck asks the watcher whether keys are visible, as of at.
type latencyCheck struct {
	keys []outageKey
	at   time.Time
}

func newLatencies() *latencies {
	return &latencies{pending: map[outageKey]time.Time{}, evaluated: map[detect.ProbeRef]time.Time{},
		checks: make(chan latencyCheck, 1024)}
}

// committed awaits k, whose upload was sent at sent and returned at at.
// An evaluation of its probe that returned meanwhile may have taken it
// already: then it is looked for at once.
func (l *latencies) committed(k outageKey, sent, at time.Time) {
	l.mu.Lock()
	l.pending[k] = at
	now := l.evaluated[detect.ProbeRef{OfficeCode: k.office, ProbeID: k.probe}].After(sent)
	l.mu.Unlock()
	if now {
		l.checks <- latencyCheck{keys: []outageKey{k}, at: time.Now()}
	}
}

// evaluatedProbes notes that an evaluation of ps committed and returned at
// at, and has the outages awaited of ps looked for.
func (l *latencies) evaluatedProbes(ps []detect.ProbeRef, at time.Time) {
	took := make(map[detect.ProbeRef]bool, len(ps))
	var keys []outageKey
	l.mu.Lock()
	for _, p := range ps {
		l.evaluated[p], took[p] = at, true
	}
	for k := range l.pending {
		if took[detect.ProbeRef{OfficeCode: k.office, ProbeID: k.probe}] {
			keys = append(keys, k)
		}
	}
	l.mu.Unlock()
	if len(keys) > 0 {
		l.checks <- latencyCheck{keys: keys, at: at}
	}
}

// watch looks up, by primary key, the outages each check names, until ctx
// ends.
func (l *latencies) watch(ctx context.Context, pool *pgxpool.Pool) {
	for {
		var c latencyCheck
		select {
		case <-ctx.Done():
			return
		case c = <-l.checks:
		}
		offices, probes, targets, starts := make([]string, len(c.keys)), make([]int64, len(c.keys)), make([]int64, len(c.keys)), make([]time.Time, len(c.keys))
		for i, k := range c.keys {
			offices[i], probes[i], targets[i], starts[i] = k.office, k.probe, k.target, time.Unix(0, k.start)
		}
		rows, err := pool.Query(ctx, `SELECT o.office_code, o.probe_id, o.target_id, o.started_at
			FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS u(oc, pid, tid, s)
			JOIN outages o ON o.office_code = u.oc AND o.probe_id = u.pid AND o.target_id = u.tid AND o.started_at = u.s
			WHERE o.kind = 'down'`, offices, probes, targets, starts)
		if err != nil {
			continue
		}
		var (
			k     outageKey
			start time.Time
		)
		_, _ = pgx.ForEachRow(rows, []any{&k.office, &k.probe, &k.target, &start}, func() error {
			k.start = start.UnixNano()
			l.mu.Lock()
			defer l.mu.Unlock()
			if sent, ok := l.pending[k]; ok {
				l.done = append(l.done, max(0, c.at.Sub(sent)))
				delete(l.pending, k)
			}
			return nil
		})
	}
}

func (l *latencies) wait(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		l.mu.Lock()
		n := len(l.pending)
		l.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}
