package postgres

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// lockIngestProbes locks the group's probe rows in one fixed order (office_code,
// id), so two groups, of this server or another, that share probes never
// wait for each other in a cycle; a probe missing from the answer no longer
// exists.
const lockIngestProbes = `
SELECT p.office_code, p.id, p.revoked_at IS NULL, p.max_seq
FROM probes p JOIN unnest($1::text[], $2::bigint[]) AS u(office_code, id) ON p.office_code = u.office_code AND p.id = u.id
ORDER BY p.office_code, p.id
FOR NO KEY UPDATE OF p`

// queueDetectionGroup queues each series that got new rows for
// detection, in the ingest transaction: one row per series with the
// observed_at, seq and ok of its new results, so the detector need not read
// them back. Rows are only ever added (each keyed by the upload's first seq
// of the series), so an upload never waits for a detector that holds the
// series' earlier rows; queued_at is each row's own and the series' oldest
// says how long it has waited (no starvation).
//
// The observations come as three arrays ordered by series, and each row
// takes its slice ($6:$7) of them: unnesting every observation and
// aggregating it back into arrays cost the database more per row than the
// COPY of the results (issue 14).
const queueDetectionGroup = `
INSERT INTO detection_queue (office_code, probe_id, target_id, seq, from_at, observed_at, seqs, oks)
SELECT o, p, t, s, f, ($8::timestamptz[])[lo:hi], ($9::bigint[])[lo:hi], ($10::boolean[])[lo:hi]
FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::timestamptz[], $6::integer[], $7::integer[]) AS u(o, p, t, s, f, lo, hi)`

// markRollupsGroup marks, in the ingest transaction, the (probe, target,
// hour) keys of the new rows (sorted, so two transactions lock them in one
// order). DO UPDATE takes the row lock the refresher's SKIP LOCKED relies
// on (migrations/00011); DO NOTHING would let a refresh take the mark and
// miss the rows (TestRollupsRaceWithIngest fails with it).
const markRollupsGroup = `
INSERT INTO rollup_dirty (office_code, probe_id, target_id, hour)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[])
ON CONFLICT (office_code, probe_id, target_id, hour) DO UPDATE SET hour = EXCLUDED.hour`

// recordAgents stores, in the ingest transaction, what each agent says
// about itself with every batch, and its probe's largest stored seq.
const recordAgents = `
UPDATE probes p SET last_seen_at = now(), agent_version = u.version, agent_os = u.os, agent_arch = u.arch,
	spool_depth = u.spool_depth, dropped = u.dropped, clock_offset_ms = u.clock_offset_ms, max_seq = u.max_seq
FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[])
	AS u(office_code, id, version, os, arch, spool_depth, dropped, clock_offset_ms, max_seq)
WHERE p.office_code = u.office_code AND p.id = u.id`

// flushGroup stores a group of requests, each from another probe, in one
// transaction and answers each after the commit. It classifies each
// request exactly as ingestAlone would: a revoked (or deleted) probe is
// refused and writes nothing, seqs at or below the probe's max_seq are
// looked up, duplicates are counted and conflicts refused by item. If the
// transaction fails (an error any member may cause, a deadlock or lost
// connection), each member is stored by itself, so one bad request never
// fails the others and its error keeps its meaning.
func (s *Store) flushGroup(ctx context.Context, group []*ingestRequest) {
	answers, err := s.ingestGroup(ctx, group)
	if err != nil {
		answers = make([]ingestAnswer, len(group))
		var wg sync.WaitGroup
		for i, r := range group {
			wg.Go(func() {
				out, err := s.ingestAlone(ctx, r.p, r.agent, r.items)
				answers[i] = ingestAnswer{out: out, err: err, alone: true}
			})
		}
		wg.Wait()
	}
	for _, a := range answers {
		if a.out.Accepted > 0 {
			s.arrivals.Signal() // after the commit: the detector sees the rows
			break
		}
	}
	for i, r := range group {
		r.done <- answers[i]
	}
}

// ingestGroup is flushGroup's transaction; answers[i] is group[i]'s. It
// takes two round trips: BEGIN with the probe locks, then the writes with
// COMMIT (plus the COPY for many rows, and a lookup only for members that
// re-deliver).
func (s *Store) ingestGroup(ctx context.Context, group []*ingestRequest) ([]ingestAnswer, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, fmt.Errorf("ingest group: %w", err)
	}
	// A connection still in a transaction when released is closed by the
	// pool, never reused.
	defer conn.Release()
	answers, err := s.groupTx(ctx, conn.Conn(), group)
	if err != nil && conn.Conn().PgConn().TxStatus() != 'I' {
		_, _ = conn.Exec(ctx, "ROLLBACK")
	}
	return answers, err
}

func (s *Store) groupTx(ctx context.Context, c *pgx.Conn, group []*ingestRequest) ([]ingestAnswer, error) {
	offices, ids := make([]string, len(group)), make([]int64, len(group))
	for i, r := range group {
		offices[i], ids[i] = r.p.OfficeCode, r.p.ID
	}
	type state struct {
		live   bool
		maxSeq int64
	}
	locked := make(map[probeKey]state, len(group))
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(lockIngestProbes, offices, ids).Query(func(rows pgx.Rows) error {
		var (
			k  probeKey
			st state
		)
		_, err := pgx.ForEachRow(rows, []any{&k.office, &k.id, &st.live, &st.maxSeq}, func() error { locked[k] = st; return nil })
		return err
	})
	if err := c.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("lock probes for ingest: %w", err)
	}

	answers := make([]ingestAnswer, len(group))
	n := 0
	for _, r := range group {
		n += len(r.items)
	}
	w := groupWrite{rows: make([]groupRow, 0, n)}
	for i, r := range group {
		st, ok := locked[probeKey{r.p.OfficeCode, r.p.ID}]
		if !ok || !st.live {
			s.ingest.forgetProbe(r.p.OfficeCode, r.p.ID)
			answers[i].err = api.Errorf(api.EUnauthorized, "invalid or revoked probe token")
			continue
		}
		stored, err := storedSeqs(ctx, c, r.p, r.items, st.maxSeq)
		if err != nil {
			return nil, err
		}
		out, fresh := classify(r.items, stored)
		out.Accepted = len(fresh)
		answers[i].out = out
		w.add(r, fresh, st.maxSeq)
	}
	if err := w.write(ctx, c, &s.copyBufs); err != nil {
		return nil, err
	}
	return answers, nil
}

// groupWrite gathers what a group writes, as columns.
type groupWrite struct {
	// rows: the new results, by request and position.
	rows []groupRow
	// agents: one entry per live probe (its status and new max_seq).
	agents agentColumns
}

type groupRow struct {
	r *ingestRequest
	i int
}

type agentColumns struct {
	offices                          []string
	ids                              []int64
	versions, oses, arches           []string
	depths, dropped, offsets, maxSeq []int64
}

// add takes the new items (fresh) of one live probe's request.
func (w *groupWrite) add(r *ingestRequest, fresh []int, maxSeq int64) {
	for _, i := range fresh {
		w.rows = append(w.rows, groupRow{r, i})
		maxSeq = max(maxSeq, int64(r.items[i].Result.Seq))
	}
	a, ag := &w.agents, r.agent
	a.offices, a.ids = append(a.offices, r.p.OfficeCode), append(a.ids, r.p.ID)
	a.versions, a.oses, a.arches = append(a.versions, ag.Version), append(a.oses, ag.OS), append(a.arches, ag.Arch)
	a.depths, a.dropped = append(a.depths, ag.SpoolDepth), append(a.dropped, int64(ag.Dropped))
	a.offsets, a.maxSeq = append(a.offsets, ag.ClockOffsetMS), append(a.maxSeq, maxSeq)
}

// write sends the group's rows (one COPY, or one INSERT for a few), then
// its detection queue rows, rollup marks and agent statuses, one statement
// each, and COMMIT, in one round trip; their arrays go already encoded
// (pgarrays.go).
func (w *groupWrite) write(ctx context.Context, c *pgx.Conn, copyBufs *sync.Pool) error {
	q := queueBatch{c: c}
	switch {
	case len(w.rows) > copyFrom:
		if err := w.copyRows(ctx, c, copyBufs); err != nil {
			return err
		}
	case len(w.rows) > 0:
		sql, args := w.insertRows()
		if err := q.queue(ctx, sql, args...); err != nil {
			return fmt.Errorf("insert results: %w", err)
		}
	}
	if len(w.rows) > 0 {
		keys, of := w.series()
		if err := q.queue(ctx, queueDetectionGroup, w.detectionColumns(keys, of)...); err != nil {
			return fmt.Errorf("queue detection: %w", err)
		}
		if err := q.queue(ctx, markRollupsGroup, w.rollupColumns(keys, of)...); err != nil {
			return fmt.Errorf("mark rollups: %w", err)
		}
	}
	if a := w.agents; len(a.ids) > 0 {
		if err := q.queue(ctx, recordAgents, textArray(a.offices), int8Array(a.ids), textArray(a.versions), textArray(a.oses), textArray(a.arches),
			int8Array(a.depths), int8Array(a.dropped), int8Array(a.offsets), int8Array(a.maxSeq)); err != nil {
			return fmt.Errorf("record agents: %w", err)
		}
	}
	q.pb.ExecParams("COMMIT", nil, nil, nil, nil)
	if err := q.send(ctx); err != nil {
		return mapError(err, "results")
	}
	return nil
}

// insertRows is the INSERT for a few new rows (see copyFrom): one
// statement over arrays, no ON CONFLICT (classify decided they are new).
func (w *groupWrite) insertRows() (string, []any) {
	n := len(w.rows)
	var (
		offices  = make([]string, n)
		probes   = make([]int64, n)
		seqs     = make([]int64, n)
		times    = make([]time.Time, n)
		targets  = make([]int64, n)
		oks      = make([]bool, n)
		failures = make([]*string, n)
		lat      = make([]float32, n)
		details  = make([]string, n)
		certs    = make([]*int32, n)
		locals   = make([]*time.Time, n)
	)
	for k, g := range w.rows {
		it := g.r.items[g.i]
		r := it.Result
		offices[k], probes[k] = g.r.p.OfficeCode, g.r.p.ID
		seqs[k], times[k], targets[k], oks[k] = int64(r.Seq), r.ObservedAt, it.TargetID, r.OK
		if !r.OK {
			f := string(r.Failure)
			failures[k] = &f
		}
		lat[k], details[k] = float32(r.LatencyMS), r.Detail
		if r.CertDaysLeft != nil {
			c := int32(*r.CertDaysLeft)
			certs[k] = &c
		}
		if !r.LocalAt.IsZero() {
			l := r.LocalAt
			locals[k] = &l
		}
	}
	return `INSERT INTO results (office_code, probe_id, seq, observed_at, target_id, ok, failure, latency_ms, detail, cert_days_left, local_at)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::bigint[], $6::boolean[], $7::text[], $8::real[], $9::text[], $10::integer[], $11::timestamptz[])`,
		[]any{offices, probes, seqs, times, targets, oks, failures, lat, details, certs, locals}
}

// seriesKey names a series.
type seriesKey struct {
	office        string
	probe, target int64
}

// series returns the series of the group's rows, in the order it first
// has them, and the series of each row (an index into keys).
func (w *groupWrite) series() (keys []seriesKey, of []int32) {
	of = make([]int32, len(w.rows))
	// A request has a few series (its probe's targets, whose rows
	// alternate): a scan of them costs less than a map's hashing; a group
	// of many requests gets the map.
	const scanUpTo = 16
	var index map[seriesKey]int32
	for k, g := range w.rows {
		sk := seriesKey{g.r.p.OfficeCode, g.r.p.ID, g.r.items[g.i].TargetID}
		i := int32(-1)
		if index == nil {
			for j := len(keys) - 1; j >= 0; j-- {
				if kj := &keys[j]; kj.target == sk.target && kj.probe == sk.probe && kj.office == sk.office {
					i = int32(j)
					break
				}
			}
		} else if j, ok := index[sk]; ok {
			i = j
		}
		if i < 0 {
			i = int32(len(keys))
			keys = append(keys, sk)
			switch {
			case index != nil:
				index[sk] = i
			case len(keys) > scanUpTo:
				index = make(map[seriesKey]int32, 2*len(keys))
				for j, kj := range keys {
					index[kj] = int32(j)
				}
			}
		}
		of[k] = i
	}
	return keys, of
}

// detectionColumns are queueDetectionGroup's arguments: per series (in
// the order the group first has it) its probe, target, smallest seq and
// observed_at, and the bounds of its slice of the new rows' observed_at,
// seq and ok, which are ordered by series (each series' rows in the order
// of its request).
func (w *groupWrite) detectionColumns(keys []seriesKey, of []int32) []any {
	n := len(w.rows)
	m := len(keys)
	var (
		offices = make([]string, m)
		probes  = make([]int64, m)
		tids    = make([]int64, m)
		firsts  = make([]int64, m)
		froms   = make([]time.Time, m)
		los     = make([]int32, m)
		his     = make([]int32, m)
		order   = make([]int32, n) // the row at each position
	)
	for _, i := range of {
		his[i]++
	}
	next := make([]int32, m) // each series' next position (0-based)
	var at int32
	for i, sk := range keys {
		offices[i], probes[i], tids[i] = sk.office, sk.probe, sk.target
		next[i] = at
		los[i] = at + 1 // SQL arrays count from 1
		at += his[i]
		his[i] = at
	}
	for k, g := range w.rows {
		r := &g.r.items[g.i].Result
		i := of[k]
		j := next[i]
		next[i]++
		order[j] = int32(k)
		if j+1 == los[i] || int64(r.Seq) < firsts[i] {
			firsts[i] = int64(r.Seq)
		}
		if j+1 == los[i] || r.ObservedAt.Before(froms[i]) {
			froms[i] = r.ObservedAt
		}
	}
	ats := arrayHeader(make([]byte, 0, 20+12*n), oidTimestamptz, n)
	seqs := arrayHeader(make([]byte, 0, 20+12*n), oidInt8, n)
	oks := arrayHeader(make([]byte, 0, 20+5*n), oidBool, n)
	for _, k := range order {
		g := w.rows[k]
		r := &g.r.items[g.i].Result
		ats = appendTimestamptz(ats, r.ObservedAt)
		seqs = appendInt8(seqs, int64(r.Seq))
		oks = appendBool(oks, r.OK)
	}
	return []any{textArray(offices), int8Array(probes), int8Array(tids), int8Array(firsts), timestamptzArray(froms),
		int4Array(los), int4Array(his), binaryArray(ats), binaryArray(seqs), binaryArray(oks)}
}

// rollupColumns are markRollupsGroup's arguments: the distinct (probe,
// target, UTC hour) keys of the new rows, sorted (one lock order).
func (w *groupWrite) rollupColumns(keys []seriesKey, of []int32) []any {
	type mark struct {
		series int32
		hour   int64 // Unix seconds of the UTC hour
	}
	// Each series' rows, in time order, repeat their hour: only a change
	// of a series' hour goes to the map.
	const none = math.MinInt64
	last := make([]int64, len(keys))
	for i := range last {
		last[i] = none
	}
	seen := make(map[mark]struct{}, 4*len(keys))
	for k, g := range w.rows {
		i := of[k]
		sec := g.r.items[g.i].Result.ObservedAt.Unix()
		h := floorUnix(sec, 3600)
		if h != last[i] {
			last[i] = h
			seen[mark{i, h}] = struct{}{}
		}
	}
	marks := make([]mark, 0, len(seen))
	for m := range seen {
		marks = append(marks, m)
	}
	slices.SortFunc(marks, func(a, b mark) int {
		ka, kb := &keys[a.series], &keys[b.series]
		return cmp.Or(cmp.Compare(ka.office, kb.office), cmp.Compare(ka.probe, kb.probe), cmp.Compare(ka.target, kb.target), cmp.Compare(a.hour, b.hour))
	})
	n := len(marks)
	var (
		offices = make([]string, n)
		probes  = make([]int64, n)
		tids    = make([]int64, n)
		hours   = arrayHeader(make([]byte, 0, 20+12*n), oidTimestamptz, n)
	)
	for i, m := range marks {
		k := keys[m.series]
		offices[i], probes[i], tids[i] = k.office, k.probe, k.target
		hours = appendTimestamptz(hours, time.Unix(m.hour, 0))
	}
	return []any{textArray(offices), int8Array(probes), int8Array(tids), binaryArray(hours)}
}
