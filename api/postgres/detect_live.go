package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// evaluateLive re-evaluates series that resume from their checkpoint (or
// start, when new) with the observations their queue rows carried, all in
// one round trip of reads and one of writes, whatever their number: the
// spans each may replace are read by one LATERAL join (an index lookup per
// series), evaluated here, and written back as arrays. It returns one
// result per series, in order, and brings series up to date.
func evaluateLive(ctx context.Context, tx pgx.Tx, live []seriesWork, series probeSeries, now time.Time) ([]seriesResult, error) {
	if len(live) == 0 {
		return nil, nil
	}
	n := len(live)
	var (
		offices = make([]string, n)
		probes  = make([]int64, n)
		targets = make([]int64, n)
		from    = make([]time.Time, n)
		old     = make([][]detect.Span, n)
	)
	for i, w := range live {
		offices[i], probes[i], targets[i] = w.probe.OfficeCode, w.probe.ProbeID, w.target.id
		if !w.found {
			// A new series starts from the engine's zero state and replaces
			// whatever spans it has (it should have none).
			live[i].cp = detect.Checkpoint{}
		}
		from[i] = live[i].cp.ReplaceFrom()
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT u.i, o.kind, o.started_at, o.ended_at, coalesce(o.ended_by, ''), o.cause
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[]) WITH ORDINALITY AS u(oc, pid, tid, f, i)
		CROSS JOIN LATERAL (SELECT kind, started_at, ended_at, ended_by, cause FROM outages o
			WHERE `+seriesSpansFrom+`) o`,
		offices, probes, targets, from).Query(func(rows pgx.Rows) error {
		var (
			i  int64
			sp detect.Span
		)
		_, err := pgx.ForEachRow(rows, []any{&i, &sp.Kind, &sp.Start, &sp.End, &sp.EndedBy, &sp.Cause}, func() error {
			old[i-1] = append(old[i-1], sp)
			return nil
		})
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}

	out := make([]seriesResult, n)
	spans := make([][]detect.Span, n)
	for i, w := range live {
		sp, end := detect.Evaluate(w.cp, w.obs, w.target.rules, now)
		first, replaced := w.first, from[i]
		if !w.found {
			first, replaced = w.obs[0].At, w.obs[0].At
		}
		spans[i] = sp
		out[i] = seriesResult{spans: len(sp), from: replaced, changed: !sameSpans(old[i], sp), down: end.Down,
			wrote: true, first: first, end: end}
		series.set(w.probe, w.target, true, first, end)
	}
	var (
		rows spanRows
		cps  checkpointRows
		// The series whose spans are replaced, from where.
		delOffices []string
		delProbes  []int64
		delTargets []int64
		delFrom    []time.Time
	)
	for i, w := range live {
		if out[i].changed {
			delOffices, delProbes = append(delOffices, offices[i]), append(delProbes, probes[i])
			delTargets, delFrom = append(delTargets, targets[i]), append(delFrom, from[i])
			// With every series of the chunk evaluated, the internet
			// reference's last state is known: a new central outage is
			// written with the cause it most likely has.
			rows.add(w.probe, w.target, spans[i], old[i], series.likelyCause(w.probe))
		}
		cps.add(w.probe, w.target, out[i].first, out[i].end, now)
	}
	// A live series re-emitting its open outage writes nothing but its
	// checkpoint.
	b = &pgx.Batch{}
	if len(delOffices) > 0 {
		// Row ids found and used within one statement.
		b.Queue(`DELETE FROM outages o USING (SELECT x.ctid
				FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS u(oc, pid, tid, f)
				CROSS JOIN LATERAL (SELECT ctid FROM outages o WHERE `+seriesSpansFrom+`) x) d
			WHERE o.ctid = d.ctid`,
			delOffices, delProbes, delTargets, delFrom)
		rows.queue(b)
	}
	overlaps := rows.queueCheck(b)
	cps.queue(b)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapError(err, "outages")
	}
	if err := overlaps(); err != nil {
		return nil, err
	}
	return out, nil
}

// seriesOf matches the spans of series (u.oc, u.pid, u.tid) by the
// primary key, started_at its last column: a range of it, or the latest
// span before a time (a backward scan, LIMIT 1), is a range of the index.
// (Until 00029 the planner took the exclusion constraint's GiST index or
// outages_office_time_idx for these equalities, 5-10× slower a lookup,
// and = ANY(ARRAY[…]) on probe and target kept it on the primary key at
// the price of a sort.)
const seriesOf = `o.office_code = u.oc AND o.probe_id = u.pid AND o.target_id = u.tid`

// seriesSpansFrom selects the spans of series (u.oc, u.pid, u.tid) that
// start at or after u.f, one primary-key lookup per series. OFFSET 0 keeps
// the LATERAL from being flattened into a hash join over the whole table.
const seriesSpansFrom = seriesOf + ` AND o.started_at >= u.f OFFSET 0`

// spanRows are spans to insert, as columns.
type spanRows struct {
	offices     []string
	probes      []int64
	targets     []int64
	starts      []time.Time
	ends        []*time.Time
	kinds       []string
	bys         []*string
	causes      []string
	targetKinds []string
}

// add appends one series' spans. A central outage written again keeps its
// old cause (from prev: the same span, or the open one it closes); new ones
// start with guess. Either way recomputeCauses decides once every series of
// the probe is written: only a wrong guess costs an update.
func (r *spanRows) add(p detect.ProbeRef, t seriesTarget, spans, prev []detect.Span, guess api.Cause) {
	if len(spans) == 0 {
		return
	}
	was, began := map[string]api.Cause{}, map[time.Time]api.Cause{}
	for _, sp := range prev {
		was[spanKey(sp)] = sp.Cause
		if sp.Kind == api.KindDown {
			began[sp.Start] = sp.Cause
		}
	}
	for _, sp := range spans {
		var by *string
		if sp.EndedBy != "" {
			v := sp.EndedBy
			by = &v
		}
		c := detect.OutageCause(t.kind, sp, nil, time.Time{})
		if sp.Kind == api.KindDown && t.kind == "central" {
			c = guess
			if old, ok := began[sp.Start]; ok {
				c = old
			}
		}
		if old, ok := was[spanKey(sp)]; ok && sp.Kind == api.KindDown {
			c = old
		}
		r.offices, r.probes, r.targets = append(r.offices, p.OfficeCode), append(r.probes, p.ProbeID), append(r.targets, t.id)
		r.starts, r.ends, r.kinds = append(r.starts, sp.Start), append(r.ends, sp.End), append(r.kinds, sp.Kind)
		r.bys, r.causes, r.targetKinds = append(r.bys, by), append(r.causes, string(c)), append(r.targetKinds, t.kind)
	}
}

// queue queues the insert of the rows, if any.
func (r *spanRows) queue(b *pgx.Batch) {
	if len(r.starts) == 0 {
		return
	}
	b.Queue(`INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[], $9::text[])`,
		r.offices, r.probes, r.targets, r.starts, r.ends, r.kinds, r.bys, r.causes, r.targetKinds)
}

// queueCheck queues, after the insert, the check that no span written
// overlaps another of its series: each against the spans just before and
// after it by start (two primary-key probes). Spans sorted by start
// overlap somewhere only if two adjacent ones do, and spans no statement
// wrote already did not, so this proves the rule for the whole series.
// The probe's advisory lock, held by every writer of outages, keeps
// another transaction from writing the series meanwhile. The returned
// func reports what the check found once the batch has run.
func (r *spanRows) queueCheck(b *pgx.Batch) func() error {
	if len(r.starts) == 0 {
		return func() error { return nil }
	}
	var (
		bad   int
		first string
	)
	b.Queue(`SELECT count(*), coalesce(min(u.oc || '/' || u.pid || '/' || u.tid || ' at ' || u.s), '')
		FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[]) AS u(oc, pid, tid, s, e)
		WHERE EXISTS (SELECT 1 FROM (SELECT o.ended_at FROM outages o WHERE `+seriesOf+` AND o.started_at < u.s
				ORDER BY o.started_at DESC LIMIT 1) p WHERE p.ended_at IS NULL OR p.ended_at > u.s)
		   OR EXISTS (SELECT 1 FROM (SELECT o.started_at FROM outages o WHERE `+seriesOf+` AND o.started_at > u.s
				ORDER BY o.started_at LIMIT 1) n WHERE u.e IS NULL OR n.started_at < u.e)`,
		r.offices, r.probes, r.targets, r.starts, r.ends).QueryRow(func(row pgx.Row) error {
		return row.Scan(&bad, &first)
	})
	return func() error {
		if bad > 0 {
			return fmt.Errorf("outages: %d spans written overlap another of their series (first: %s)", bad, first)
		}
		return nil
	}
}

// checkpointRows are engine states after the last result, as columns,
// each with when its silence falls due.
type checkpointRows struct {
	offices                []string
	probes, targets, seqs  []int64
	firsts, lasts, silents []time.Time
	downs, silent          []bool
	outageStarts, runStart []*time.Time
	runs                   []int32
	now                    time.Time
}

func (r *checkpointRows) add(p detect.ProbeRef, t seriesTarget, first time.Time, c detect.Checkpoint, now time.Time) {
	silentAt := c.LastAt.Add(time.Duration(t.rules.Thresholds.SilenceAfter) * t.rules.Interval)
	r.offices, r.probes, r.targets = append(r.offices, p.OfficeCode), append(r.probes, p.ProbeID), append(r.targets, t.id)
	r.firsts, r.lasts, r.seqs = append(r.firsts, first), append(r.lasts, c.LastAt), append(r.seqs, c.LastSeq)
	r.downs, r.outageStarts = append(r.downs, c.Down), append(r.outageStarts, nullTime(c.OutageStart))
	r.runs, r.runStart = append(r.runs, int32(c.Run)), append(r.runStart, nullTime(c.RunStart))
	r.silents, r.silent, r.now = append(r.silents, silentAt), append(r.silent, now.After(silentAt)), now
}

// queue queues the upsert of the rows, if any.
func (r *checkpointRows) queue(b *pgx.Batch) {
	if len(r.offices) == 0 {
		return
	}
	b.Queue(`INSERT INTO series_state (office_code, probe_id, target_id, first_at, last_at, last_seq,
			down, outage_start, run, run_start, silent_at, silent, evaluated_at)
		SELECT u.*, $13 FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::timestamptz[], $6::bigint[],
			$7::boolean[], $8::timestamptz[], $9::integer[], $10::timestamptz[], $11::timestamptz[], $12::boolean[]) AS u
		ON CONFLICT (office_code, probe_id, target_id) DO UPDATE SET first_at = EXCLUDED.first_at,
			last_at = EXCLUDED.last_at, last_seq = EXCLUDED.last_seq, down = EXCLUDED.down,
			outage_start = EXCLUDED.outage_start, run = EXCLUDED.run, run_start = EXCLUDED.run_start,
			silent_at = EXCLUDED.silent_at, silent = EXCLUDED.silent, evaluated_at = EXCLUDED.evaluated_at`,
		r.offices, r.probes, r.targets, r.firsts, r.lasts, r.seqs, r.downs, r.outageStarts, r.runs, r.runStart,
		r.silents, r.silent, r.now)
}

// recomputeCauses re-decides the cause of each probe's central down
// outages that are open or end after its lo, from the internet reference
// of the same probe (detect.Cause), for all probes in at most three
// statements. series (every series of the probes, as just written) gives
// each series' first and last result, so nothing but spans is read. It
// returns, per probe, the earliest start of an outage whose cause changed:
// incident grouping revisits from there.
func recomputeCauses(ctx context.Context, tx pgx.Tx, ps []detect.ProbeRef, marks map[detect.ProbeRef]*probeMarks, series probeSeries) (map[detect.ProbeRef]time.Time, error) {
	type outage struct {
		target int64
		start  time.Time
		end    time.Time // ended_at, or the series' last result while open
		cause  string
	}
	// The central series of every probe, each from its probe's lo.
	var look spanLookup
	for k, p := range ps {
		for _, s := range series[p] {
			if s.kind == "central" && s.found {
				look.add(k, p, s.target, marks[p].lo)
			}
		}
	}
	central := make([][]outage, len(ps))
	err := look.query(ctx, tx, `o.kind = 'down'`, func(k int, sp detect.Span, target int64, cause string) {
		end := lastAt(series[ps[k]], target)
		if sp.End != nil {
			end = *sp.End
		}
		central[k] = append(central[k], outage{target: target, start: sp.Start, end: end, cause: cause})
	})
	if err != nil {
		return nil, fmt.Errorf("central outages: %w", err)
	}
	// The reference is needed from the earliest of lo and those outages'
	// starts, for the probes that have any: every internet series of the
	// probe with results, and its spans that end after that.
	var (
		refs   spanLookup
		refAt  [][2]int        // each series looked up: its probe's reference in ref, and its place there
		refIdx = map[int]int{} // probe index → its reference in ref
		ref    [][]detect.Series
	)
	for k, os := range central {
		if len(os) == 0 {
			continue
		}
		from := marks[ps[k]].lo
		for _, o := range os {
			from = minTime(from, o.start)
		}
		refIdx[k] = len(ref)
		var r []detect.Series
		for _, s := range series[ps[k]] {
			if s.kind == "internet" && s.found {
				refs.add(len(refAt), ps[k], s.target, from)
				refAt = append(refAt, [2]int{len(ref), len(r)})
				r = append(r, detect.Series{First: s.first})
			}
		}
		ref = append(ref, r)
	}
	if len(refIdx) == 0 {
		return nil, nil
	}
	err = refs.query(ctx, tx, `true`, func(k int, sp detect.Span, _ int64, _ string) {
		at := refAt[k]
		ref[at[0]][at[1]].Spans = append(ref[at[0]][at[1]].Spans, sp)
	})
	if err != nil {
		return nil, fmt.Errorf("internet reference: %w", err)
	}
	var (
		upOffices []string
		upProbes  []int64
		upTargets []int64
		upStarts  []time.Time
		upCauses  []string
		changed   = map[detect.ProbeRef]time.Time{}
	)
	for k, r := range refIdx {
		for _, o := range central[k] {
			c := string(detect.Cause(ref[r], o.start, o.end))
			if c == o.cause {
				continue
			}
			upOffices, upProbes, upTargets = append(upOffices, ps[k].OfficeCode), append(upProbes, ps[k].ProbeID), append(upTargets, o.target)
			upStarts, upCauses = append(upStarts, o.start), append(upCauses, c)
			t := changed[ps[k]]
			earliest(&t, o.start)
			changed[ps[k]] = t
		}
	}
	if len(upOffices) > 0 {
		_, err = tx.Exec(ctx, `UPDATE outages o SET cause = v.c
			FROM (SELECT x.ctid, u.c FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[]) AS u(oc, pid, tid, f, c)
				CROSS JOIN LATERAL (SELECT ctid FROM outages o WHERE o.started_at = u.f AND `+seriesSpansFrom+`) x) v
			WHERE o.ctid = v.ctid`,
			upOffices, upProbes, upTargets, upStarts, upCauses)
		if err != nil {
			return nil, fmt.Errorf("update causes: %w", err)
		}
	}
	return changed, nil
}

// lastAt is the last result of series target among ss.
func lastAt(ss []seriesState, target int64) time.Time {
	for _, s := range ss {
		if s.target == target {
			return s.last
		}
	}
	return time.Time{}
}

// spanLookup reads, for each of a list of series, its spans that end after
// a time (or are open): the latest span that starts before it, and every
// span that starts at or after it (spans of a series never overlap), by
// primary-key lookups only (see seriesSpansFrom).
type spanLookup struct {
	idx     []int
	offices []string
	probes  []int64
	targets []int64
	from    []time.Time
}

func (l *spanLookup) add(i int, p detect.ProbeRef, target int64, from time.Time) {
	l.idx, l.offices, l.probes = append(l.idx, i), append(l.offices, p.OfficeCode), append(l.probes, p.ProbeID)
	l.targets, l.from = append(l.targets, target), append(l.from, from)
}

// query calls each with the index given to add and each span found (in
// start order per series) that satisfies cond (SQL over o).
func (l *spanLookup) query(ctx context.Context, tx pgx.Tx, cond string, each func(i int, sp detect.Span, target int64, cause string)) error {
	if len(l.idx) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT u.i, o.target_id, o.kind, o.started_at, o.ended_at, coalesce(o.ended_by, ''), o.cause
		FROM unnest($1::int[], $2::text[], $3::bigint[], $4::bigint[], $5::timestamptz[]) WITH ORDINALITY AS u(i, oc, pid, tid, f, n)
		CROSS JOIN LATERAL (
			(SELECT * FROM outages o WHERE `+seriesOf+` AND o.started_at < u.f ORDER BY o.started_at DESC LIMIT 1)
			UNION ALL
			(SELECT * FROM outages o WHERE `+seriesSpansFrom+`)) o
		WHERE (o.ended_at IS NULL OR o.ended_at > u.f) AND `+cond+`
		ORDER BY u.n, o.started_at`, l.idx, l.offices, l.probes, l.targets, l.from)
	if err != nil {
		return err
	}
	var (
		i      int
		target int64
		sp     detect.Span
		cause  string
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &target, &sp.Kind, &sp.Start, &sp.End, &sp.EndedBy, &cause}, func() error {
		s := sp
		if sp.End != nil {
			e := *sp.End
			s.End = &e
		}
		each(i, s, target, cause)
		return nil
	})
	return err
}
