package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// mustProbes adds n probes to Kota Makassar (made by mustOffice).
func mustProbes(t *testing.T, s *postgres.Store, n int) []api.Probe {
	t.Helper()
	var out []api.Probe
	for i := range n {
		p, _, err := s.CreateProbe(context.Background(), "73.71", fmt.Sprintf("titik-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

// run is n results of target id from seq first on, a second apart.
func run(id int64, first, n int, at time.Time) []api.IngestItem {
	var items []api.IngestItem
	for k := range n {
		items = append(items, item(id, first+k, at.Add(time.Duration(first+k)*time.Second)))
	}
	return items
}

// TestIngestGroupDecidesEachMemberAsAlone: in one group, new results are
// stored, a revoked probe is refused and writes nothing (not even its agent
// status), and duplicates and conflicts are told apart per member against
// its own probe's stored seqs.
func TestIngestGroupDecidesEachMemberAsAlone(t *testing.T) {
	s := pgtest.Store(t)
	// Every call below ends by this deadline: a hung group fails the test.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p0, _, ids := mustOffice(t, s)
	ps := mustProbes(t, s, 3)
	p1, p2, p3 := ps[0], ps[1], ps[2]
	id := ids["central"]
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if _, err := s.IngestResults(ctx, p2, probe.AgentInfo{}, run(id, 1, 2, base)); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeProbe(ctx, p3.OfficeCode, p3.ID); err != nil {
		t.Fatal(err)
	}
	agent := probe.AgentInfo{Version: "grouped", SpoolDepth: 4}
	got, alone := s.IngestAsGroup(ctx, []postgres.GroupRequest{
		{Probe: p0, Agent: agent, Items: run(id, 1, 3, base)},
		{Probe: p1, Agent: agent, Items: append(run(id, 1, 2, base), item(id, 2, base.Add(2*time.Second)))}, // its seq 2 again: duplicate
		{Probe: p2, Agent: agent, Items: []api.IngestItem{
			item(id, 2, base.Add(time.Hour)),   // stored with another observed_at: conflict
			item(id, 1, base.Add(time.Second)), // duplicate
			item(id, 3, base.Add(3*time.Second)),
		}},
		{Probe: p3, Agent: agent, Items: run(id, 1, 3, base)},
	})
	if alone {
		t.Fatal("the group fell back to single transactions")
	}
	want := []struct{ accepted, dups, conflicts int }{{3, 0, 0}, {2, 1, 0}, {1, 1, 1}}
	for i, w := range want {
		a := got[i]
		if a.Err != nil || a.Out.Accepted != w.accepted || a.Out.Duplicates != w.dups || len(a.Out.Conflicts) != w.conflicts {
			t.Errorf("member %d: %+v %v, want %+v", i, a.Out, a.Err, w)
		}
	}
	if c := got[2].Out.Conflicts; len(c) == 1 && (c[0].Item != 0 || !c[0].ObservedAt.Equal(base.Add(2*time.Second))) {
		t.Errorf("conflict %+v", c[0])
	}
	if api.ErrorCode(got[3].Err) != api.EUnauthorized {
		t.Errorf("revoked member: %v, want unauthorized", got[3].Err)
	}
	for _, c := range []struct {
		p                    api.Probe
		rows, maxSeq, queued int
		version              string
	}{{p0, 3, 3, 1, "grouped"}, {p1, 2, 2, 1, "grouped"}, {p2, 3, 3, 2, "grouped"}, {p3, 0, 0, 0, ""}} {
		var rows, maxSeq, queued, marks int
		var version string
		where := fmt.Sprintf(" WHERE probe_id = %d", c.p.ID)
		mustScan(t, s, `SELECT count(*) FROM results`+where, &rows)
		mustScan(t, s, `SELECT count(*) FROM detection_queue`+where, &queued)
		mustScan(t, s, `SELECT count(*) FROM rollup_dirty`+where, &marks)
		mustScan(t, s, fmt.Sprintf(`SELECT max_seq FROM probes WHERE id = %d`, c.p.ID), &maxSeq)
		mustScan(t, s, fmt.Sprintf(`SELECT agent_version FROM probes WHERE id = %d`, c.p.ID), &version)
		if rows != c.rows || maxSeq != c.maxSeq || queued != c.queued || version != c.version || (marks > 0) != (c.rows > 0) {
			t.Errorf("probe %d: rows %d max_seq %d queued %d marks %d version %q; want %d %d %d %q",
				c.p.ID, rows, maxSeq, queued, marks, version, c.rows, c.maxSeq, c.queued, c.version)
		}
	}
}

// TestIngestGroupFallsBackWhenAMemberFails: a member the database refuses
// (a failure kind outside the CHECK) fails the group's transaction; each
// member then goes alone, so the others are stored and the bad one gets
// its own error.
func TestIngestGroupFallsBackWhenAMemberFails(t *testing.T) {
	s := pgtest.Store(t)
	// Every call below ends by this deadline: a hung group fails the test.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p0, _, ids := mustOffice(t, s)
	p1 := mustProbes(t, s, 1)[0]
	id := ids["central"]
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	bad := item(id, 1, base)
	bad.Result.OK, bad.Result.Failure = false, "bogus"
	got, alone := s.IngestAsGroup(ctx, []postgres.GroupRequest{
		{Probe: p0, Items: run(id, 1, 40, base)}, // enough for COPY
		{Probe: p1, Items: []api.IngestItem{bad}},
	})
	if !alone {
		t.Fatal("the group did not fall back")
	}
	if got[0].Err != nil || got[0].Out.Accepted != 40 {
		t.Fatalf("good member: %+v %v", got[0].Out, got[0].Err)
	}
	if api.ErrorCode(got[1].Err) != api.EInvalid {
		t.Fatalf("bad member: %v, want invalid", got[1].Err)
	}
	var rows int
	mustScan(t, s, `SELECT count(*) FROM results`, &rows)
	if rows != 40 {
		t.Fatalf("%d rows, want 40", rows)
	}
}

// TestConcurrentIngestsFromTwoServers: many probes, each batch sent at
// once through two stores (two replicas) on one database, so groups of
// both hold the same probes: every result stored once, every batch
// accepted once and a duplicate once, no error, and groups formed.
func TestConcurrentIngestsFromTwoServers(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openStore(t, url), openStore(t, url)
	// Every call below ends by this deadline: a hung group fails the test.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, _, ids := mustOffice(t, a)
	ps := mustProbes(t, a, 40)
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	const batches, size = 10, 3
	var (
		wg         sync.WaitGroup
		mu         sync.Mutex
		accepted   int
		duplicates int
		errs       []error
	)
	for _, p := range ps {
		for _, s := range []*postgres.Store{a, b} {
			wg.Go(func() {
				for k := range batches {
					out, err := s.IngestResults(ctx, p, probe.AgentInfo{Version: "x"}, run(ids["central"], 1+k*size, size, base))
					mu.Lock()
					accepted, duplicates = accepted+out.Accepted, duplicates+out.Duplicates
					if err != nil {
						errs = append(errs, err)
					}
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatalf("%d errors, first %v", len(errs), errs[0])
	}
	n := len(ps) * batches * size
	if accepted != n || duplicates != n {
		t.Fatalf("accepted %d, duplicates %d; want %d of each", accepted, duplicates, n)
	}
	var rows, distinct, maxSeqs int
	mustScan(t, a, `SELECT count(*) FROM results`, &rows)
	mustScan(t, a, `SELECT count(DISTINCT (probe_id, seq)) FROM results`, &distinct)
	mustScan(t, a, fmt.Sprintf(`SELECT count(*) FROM probes WHERE max_seq = %d`, batches*size), &maxSeqs)
	if rows != n || distinct != n || maxSeqs != len(ps) {
		t.Fatalf("%d rows, %d distinct, %d probes at the last seq; want %d, %d, %d", rows, distinct, maxSeqs, n, n, len(ps))
	}
	ga, ra := a.IngestGroups()
	gb, rb := b.IngestGroups()
	if ra+rb != int64(2*n/size) || ga+gb >= ra+rb {
		t.Fatalf("%d requests in %d groups; want %d requests, fewer groups", ra+rb, ga+gb, 2*n/size)
	}
	t.Logf("%d requests in %d groups", ra+rb, ga+gb)
}

// TestCloseDrainsQueuedIngests: requests queued behind groups that wait (on
// a probe row another transaction holds) are all stored and answered
// before Close returns.
func TestCloseDrainsQueuedIngests(t *testing.T) {
	url := pgtest.URL(t)
	watch := openStore(t, url)
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p0, _, ids := mustOffice(t, s)
	ps := mustProbes(t, s, 5)
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if err := s.EnsurePartition(ctx, base); err != nil { // the requests go straight to the queue
		t.Fatal(err)
	}
	hold, err := watch.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = hold.Rollback(ctx) }()
	if _, err := hold.Exec(ctx, `SELECT 1 FROM probes WHERE id = $1 FOR UPDATE`, p0.ID); err != nil {
		t.Fatal(err)
	}
	answers := make(chan error, 7)
	send := func(p api.Probe, first int) {
		go func() {
			out, err := s.IngestResults(ctx, p, probe.AgentInfo{}, run(ids["central"], first, 3, base))
			if err == nil && out.Accepted != 3 {
				err = fmt.Errorf("probe %d: %+v, want 3 accepted", p.ID, out)
			}
			answers <- err
		}()
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for !ok() {
			if ctx.Err() != nil {
				t.Fatalf("waiting for %s: %v", what, ctx.Err())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	lockWaiters := func(n int) func() bool {
		return func() bool {
			var waiting int
			mustScan(t, watch, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`, &waiting)
			return waiting == n
		}
	}
	// Both groups wait for p0's row, then five requests queue behind them.
	send(p0, 1)
	waitFor("the first group to wait", lockWaiters(1))
	send(p0, 4)
	waitFor("the second group to wait", lockWaiters(2))
	for _, p := range ps {
		send(p, 1)
	}
	waitFor("five queued requests", func() bool { return s.QueuedIngests() == 5 })
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	if err := hold.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-closed:
	case <-ctx.Done():
		t.Fatal("Close did not return")
	}
	for range 7 {
		select {
		case err := <-answers:
			if err != nil {
				t.Fatal(err)
			}
		case <-ctx.Done():
			t.Fatal("an ingest never answered")
		}
	}
	var rows int
	mustScan(t, watch, `SELECT count(*) FROM results`, &rows)
	if rows != 21 {
		t.Fatalf("%d rows, want 21", rows)
	}
}

// TestIngestGroupQueuesEachSeriesItsObservations: a group of members with
// two targets each, interleaved and out of seq order, some over the COPY
// size, queues one detection row per series holding exactly that series'
// new observations in request order, its smallest seq and earliest time.
func TestIngestGroupQueuesEachSeriesItsObservations(t *testing.T) {
	s := pgtest.Store(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p0, _, ids := mustOffice(t, s)
	ps := append([]api.Probe{p0}, mustProbes(t, s, 2)...)
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	type series struct {
		probe, target int64
	}
	type queued struct {
		seq  int64
		from time.Time
		ats  []time.Time
		seqs []int64
		oks  []bool
	}
	want := map[series]*queued{}
	var reqs []postgres.GroupRequest
	for m, p := range ps {
		var items []api.IngestItem
		n := []int{5, 70, 40}[m] // 70 and 40: over the COPY size
		for k := range n {
			seq := n - k // descending
			if k%3 == 0 {
				seq = k + 1000
			}
			it := item(ids["central"], seq, base.Add(time.Duration(seq)*time.Second+time.Duration(m)*time.Millisecond))
			if k%2 == 1 {
				it.TargetID, it.Result.Target = ids["internet"], "internet"
			}
			if k%4 == 1 {
				it.Result.OK, it.Result.Failure = false, probe.FailTimeout
			}
			items = append(items, it)
			k := series{p.ID, it.TargetID}
			q := want[k]
			if q == nil {
				q = &queued{seq: int64(seq), from: it.Result.ObservedAt}
				want[k] = q
			}
			q.seq = min(q.seq, int64(seq))
			if it.Result.ObservedAt.Before(q.from) {
				q.from = it.Result.ObservedAt
			}
			q.ats, q.seqs, q.oks = append(q.ats, it.Result.ObservedAt), append(q.seqs, int64(seq)), append(q.oks, it.Result.OK)
		}
		reqs = append(reqs, postgres.GroupRequest{Probe: p, Items: items})
	}
	got, alone := s.IngestAsGroup(ctx, reqs)
	if alone {
		t.Fatal("the group fell back to single transactions")
	}
	for i, a := range got {
		if a.Err != nil || a.Out.Accepted != len(reqs[i].Items) {
			t.Fatalf("member %d: %+v %v", i, a.Out, a.Err)
		}
	}
	rows, err := s.Pool().Query(ctx, `SELECT probe_id, target_id, seq, from_at, observed_at, seqs, oks FROM detection_queue`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			k series
			q queued
		)
		if err := rows.Scan(&k.probe, &k.target, &q.seq, &q.from, &q.ats, &q.seqs, &q.oks); err != nil {
			t.Fatal(err)
		}
		n++
		w := want[k]
		if w == nil {
			t.Errorf("series %+v queued, not written", k)
			continue
		}
		if g, e := fmt.Sprint(q.seq, q.from.UTC(), utc(q.ats), q.seqs, q.oks), fmt.Sprint(w.seq, w.from, w.ats, w.seqs, w.oks); g != e {
			t.Errorf("series %+v:\n got %s\nwant %s", k, g, e)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(want) {
		t.Fatalf("%d rows queued, want one per series (%d)", n, len(want))
	}
}

func utc(ts []time.Time) []time.Time {
	out := make([]time.Time, len(ts))
	for i, t := range ts {
		out[i] = t.UTC()
	}
	return out
}
