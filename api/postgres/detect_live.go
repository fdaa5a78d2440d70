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
// start, when new) with the observations their queue rows carried, all in one round trip of
// reads and one of writes, whatever their number: the spans each may
// replace are read by one LATERAL join (an index lookup per series),
// evaluated here, and written back as arrays. It returns one result per
// series, in order.
func evaluateLive(ctx context.Context, tx pgx.Tx, live []seriesWork, now time.Time) ([]seriesResult, error) {
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
			WHERE o.office_code = u.oc AND o.probe_id = u.pid AND o.target_id = u.tid AND o.started_at >= u.f) o`,
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

	var (
		out   = make([]seriesResult, n)
		spans spanRows
		cps   checkpointRows
		// The series whose spans are replaced, from where.
		delOffices []string
		delProbes  []int64
		delTargets []int64
		delFrom    []time.Time
	)
	for i, w := range live {
		sp, end := detect.Evaluate(w.cp, w.obs, w.target.rules, now)
		changed := !sameSpans(old[i], sp)
		if changed {
			delOffices, delProbes = append(delOffices, offices[i]), append(delProbes, probes[i])
			delTargets, delFrom = append(delTargets, targets[i]), append(delFrom, from[i])
			spans.add(w.probe, w.target, sp, old[i])
		}
		first, replaced := w.first, from[i]
		if !w.found {
			first, replaced = w.obs[0].At, w.obs[0].At
		}
		cps.add(w.probe, w.target, first, end, now)
		out[i] = seriesResult{spans: len(sp), from: replaced, changed: changed, down: end.Down}
	}
	// A live series re-emitting its open outage writes nothing but its
	// checkpoint.
	b = &pgx.Batch{}
	if len(delOffices) > 0 {
		b.Queue(`DELETE FROM outages o USING unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS u(oc, pid, tid, f)
			WHERE o.office_code = u.oc AND o.probe_id = u.pid AND o.target_id = u.tid AND o.started_at >= u.f`,
			delOffices, delProbes, delTargets, delFrom)
		spans.queue(b)
	}
	cps.queue(b)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, mapError(err, "outages")
	}
	return out, nil
}

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
// old cause (from prev); new ones start unknown. Either way
// recomputeCauses decides once every series of the probe is written.
func (r *spanRows) add(p detect.ProbeRef, t seriesTarget, spans, prev []detect.Span) {
	if len(spans) == 0 {
		return
	}
	was := map[string]api.Cause{}
	for _, sp := range prev {
		was[spanKey(sp)] = sp.Cause
	}
	for _, sp := range spans {
		var by *string
		if sp.EndedBy != "" {
			v := sp.EndedBy
			by = &v
		}
		c := detect.OutageCause(t.kind, sp, nil, time.Time{})
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
// of the same probe (detect.Cause), for all probes in three statements. It
// returns, per probe, the earliest start of an outage whose cause changed:
// incident grouping revisits from there.
func recomputeCauses(ctx context.Context, tx pgx.Tx, ps []detect.ProbeRef, marks map[detect.ProbeRef]*probeMarks) (map[detect.ProbeRef]time.Time, error) {
	type outage struct {
		target int64
		start  time.Time
		end    time.Time // ended_at, or the series' last result while open
		cause  string
	}
	n := len(ps)
	offices, probes, los := make([]string, n), make([]int64, n), make([]time.Time, n)
	for i, p := range ps {
		offices[i], probes[i], los[i] = p.OfficeCode, p.ProbeID, marks[p].lo
	}
	rows, err := tx.Query(ctx, `SELECT u.i, o.target_id, o.started_at, o.end_at, o.cause
		FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) WITH ORDINALITY AS u(oc, pid, lo, i)
		CROSS JOIN LATERAL (SELECT o.target_id, o.started_at, coalesce(o.ended_at, s.last_at) AS end_at, o.cause
			FROM outages o JOIN series_state s
				ON s.office_code = o.office_code AND s.probe_id = o.probe_id AND s.target_id = o.target_id
			WHERE o.office_code = u.oc AND o.probe_id = u.pid AND o.target_kind = 'central' AND o.kind = 'down'
			  AND (o.ended_at IS NULL OR o.ended_at > u.lo)) o`, offices, probes, los)
	if err != nil {
		return nil, fmt.Errorf("central outages: %w", err)
	}
	central := make([][]outage, n)
	var (
		i int64
		o outage
	)
	if _, err := pgx.ForEachRow(rows, []any{&i, &o.target, &o.start, &o.end, &o.cause}, func() error {
		central[i-1] = append(central[i-1], o)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("central outages: %w", err)
	}
	// The reference is needed from the earliest of lo and those outages'
	// starts, for the probes that have any.
	var (
		refIdx   []int
		refOffic []string
		refProbe []int64
		refFrom  []time.Time
	)
	for k, os := range central {
		if len(os) == 0 {
			continue
		}
		from := los[k]
		for _, o := range os {
			from = minTime(from, o.start)
		}
		refIdx = append(refIdx, k)
		refOffic, refProbe, refFrom = append(refOffic, offices[k]), append(refProbe, probes[k]), append(refFrom, from)
	}
	if len(refIdx) == 0 {
		return nil, nil
	}
	ref, err := loadReferences(ctx, tx, refOffic, refProbe, refFrom)
	if err != nil {
		return nil, err
	}
	var (
		upOffices []string
		upProbes  []int64
		upTargets []int64
		upStarts  []time.Time
		upCauses  []string
		changed   = map[detect.ProbeRef]time.Time{}
	)
	for r, k := range refIdx {
		for _, o := range central[k] {
			c := string(detect.Cause(ref[r], o.start, o.end))
			if c == o.cause {
				continue
			}
			upOffices, upProbes, upTargets = append(upOffices, offices[k]), append(upProbes, probes[k]), append(upTargets, o.target)
			upStarts, upCauses = append(upStarts, o.start), append(upCauses, c)
			t := changed[ps[k]]
			earliest(&t, o.start)
			changed[ps[k]] = t
		}
	}
	if len(upOffices) > 0 {
		_, err = tx.Exec(ctx, `UPDATE outages o SET cause = u.c
			FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[]) AS u(oc, pid, t, s, c)
			WHERE o.office_code = u.oc AND o.probe_id = u.pid AND o.target_id = u.t AND o.started_at = u.s`,
			upOffices, upProbes, upTargets, upStarts, upCauses)
		if err != nil {
			return nil, fmt.Errorf("update causes: %w", err)
		}
	}
	return changed, nil
}

// loadReferences loads each probe's internet series (first results and the
// spans that are open or end after its from), one list per probe in order.
func loadReferences(ctx context.Context, tx pgx.Tx, offices []string, probes []int64, from []time.Time) ([][]detect.Series, error) {
	rows, err := tx.Query(ctx, `SELECT u.i, x.target_id, x.first_at, x.started_at, x.ended_at, x.kind
		FROM unnest($1::text[], $2::bigint[], $3::timestamptz[]) WITH ORDINALITY AS u(oc, pid, f, i)
		CROSS JOIN LATERAL (SELECT s.target_id, s.first_at, o.started_at, o.ended_at, o.kind
			FROM series_state s
			JOIN targets t ON t.office_code = s.office_code AND t.id = s.target_id AND t.kind = 'internet'
			LEFT JOIN outages o ON o.office_code = s.office_code AND o.probe_id = s.probe_id AND o.target_id = s.target_id
				AND (o.ended_at IS NULL OR o.ended_at > u.f)
			WHERE s.office_code = u.oc AND s.probe_id = u.pid) x
		ORDER BY u.i, x.target_id, x.started_at`, offices, probes, from)
	if err != nil {
		return nil, fmt.Errorf("internet reference: %w", err)
	}
	out := make([][]detect.Series, len(offices))
	var (
		i, id         int64
		lastI, lastID int64 = -1, -1
		first         time.Time
		start, end    *time.Time
		kind          *string
	)
	_, err = pgx.ForEachRow(rows, []any{&i, &id, &first, &start, &end, &kind}, func() error {
		k := i - 1
		if i != lastI || id != lastID {
			out[k] = append(out[k], detect.Series{First: first})
			lastI, lastID = i, id
		}
		if start != nil {
			s := &out[k][len(out[k])-1]
			var e *time.Time
			if end != nil {
				v := *end
				e = &v
			}
			s.Spans = append(s.Spans, detect.Span{Kind: *kind, Start: *start, End: e})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("internet reference: %w", err)
	}
	return out, nil
}
