package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// seriesResult is what re-evaluating one series did.
type seriesResult struct {
	spans int
	// from is where the replay replaced spans (zero when the series has no
	// results); changed says whether what it wrote differs from what was
	// there, so a live series re-emitting the same open outage costs no
	// incident regrouping.
	from    time.Time
	changed bool
	// down is the checkpoint's state: an outage open at the last result,
	// whose cause moves with each new result.
	down bool
}

// evaluateSeries replays one series and replaces its stored spans from the
// replay's start.
//
// Where the replay starts:
//   - new results only after the checkpoint (live data, or just a due
//     silence): resume from the checkpoint, reading only the new rows;
//   - a result at or before the checkpoint (a spool, shuffled batches): from
//     the latest result before it that ends a run of recover_threshold
//     successes, after which the engine is up with no run, whatever came
//     before; spans starting there or later are replaced;
//   - no such result, or no checkpoint: from the series' first result.
func evaluateSeries(ctx context.Context, tx pgx.Tx, p detect.ProbeRef, w seriesWork, now time.Time) (seriesResult, error) {
	id := w.target.id
	var (
		cp          = w.cp
		first       = w.first
		start       detect.Checkpoint
		afterAt     = time.Time{}
		afterSeq    = int64(-1)
		replaceFrom time.Time
		scratch     bool
	)
	switch {
	case w.found && (w.from == nil || w.from.After(cp.LastAt)):
		start, afterAt, afterSeq, replaceFrom = cp, cp.LastAt, cp.LastSeq, cp.ReplaceFrom()
	case w.found:
		at, seq, ok, err := resetPoint(ctx, tx, p, id, *w.from, w.target.rules.Thresholds.Recover)
		if err != nil {
			return seriesResult{}, err
		}
		if ok {
			// Re-read the reset result itself so the engine starts on it.
			afterAt, afterSeq, replaceFrom = at, seq-1, at
		} else {
			scratch = true
		}
	default:
		scratch = true
	}
	// One round trip reads the new results and the spans they may replace
	// (from scratch: every span, narrowed below once the first result is known).
	obs, old, err := readSeries(ctx, tx, p, id, afterAt, afterSeq, replaceFrom, scratch)
	if err != nil {
		return seriesResult{}, err
	}
	if scratch {
		if len(obs) == 0 {
			return seriesResult{}, nil
		}
		first, replaceFrom = obs[0].At, obs[0].At
		// Spans that end before the first remaining result stay: only
		// possible when retention dropped the results under them.
		old = slices.DeleteFunc(old, func(sp detect.Span) bool {
			return sp.Start.Before(replaceFrom) && sp.End != nil && !sp.End.After(replaceFrom)
		})
	}
	spans, end := detect.Evaluate(start, obs, w.target.rules, now)
	changed := !sameSpans(old, spans)
	// One round trip writes: the spans only when they differ (a live series
	// re-emitting its open outage writes nothing but its checkpoint).
	var b pgx.Batch
	if changed {
		b.Queue(`DELETE FROM outages WHERE office_code = $1 AND probe_id = $2 AND target_id = $3
			AND (started_at >= $4 OR ($5 AND (ended_at IS NULL OR ended_at > $4)))`,
			p.OfficeCode, p.ProbeID, id, replaceFrom, scratch)
		queueSpans(&b, p, w.target, spans, old)
	}
	queueCheckpoint(&b, p, w.target, first, end, now)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return seriesResult{}, mapError(err, "outages")
	}
	return seriesResult{spans: len(spans), from: replaceFrom, changed: changed, down: end.Down}, nil
}

// spanKey identifies a span of one series by everything stored about it
// but its cause.
func spanKey(sp detect.Span) string {
	end := "open"
	if sp.End != nil {
		end = sp.End.UTC().Format(time.RFC3339Nano)
	}
	return sp.Kind + " " + sp.Start.UTC().Format(time.RFC3339Nano) + " " + end + " " + sp.EndedBy
}

// sameSpans compares two sets of spans of one series, whatever their order
// (a series' spans never overlap, so keys are unique).
func sameSpans(a, b []detect.Span) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]bool{}
	for _, sp := range a {
		seen[spanKey(sp)] = true
	}
	for _, sp := range b {
		if !seen[spanKey(sp)] {
			return false
		}
	}
	return true
}

// resetPoint finds the latest result before `before` that ends a run of
// recover successes. The window runs backwards over the series index and
// stops at the first match.
func resetPoint(ctx context.Context, tx pgx.Tx, p detect.ProbeRef, target int64, before time.Time, recover int) (time.Time, int64, bool, error) {
	// A frame offset must be a constant: recover is an integer from the
	// targets table, never user text.
	sql := fmt.Sprintf(`SELECT observed_at, seq FROM (
			SELECT observed_at, seq, bool_and(ok) OVER (ORDER BY observed_at DESC, seq DESC
				ROWS BETWEEN CURRENT ROW AND %d FOLLOWING) AS run_ok
			FROM results WHERE office_code = $1 AND probe_id = $2 AND target_id = $3 AND observed_at < $4
		) r WHERE run_ok LIMIT 1`, max(recover-1, 0))
	var (
		at  time.Time
		seq int64
	)
	err := tx.QueryRow(ctx, sql, p.OfficeCode, p.ProbeID, target, before).Scan(&at, &seq)
	if err == pgx.ErrNoRows {
		return time.Time{}, 0, false, nil
	}
	if err != nil {
		return time.Time{}, 0, false, fmt.Errorf("find reset point: %w", err)
	}
	return at, seq, true, nil
}

// readSeries reads, in one round trip, the series' results after (at, seq)
// in event order and its stored spans that start at or after from (all of
// them from scratch), each with its cause.
func readSeries(ctx context.Context, tx pgx.Tx, p detect.ProbeRef, target int64, at time.Time, seq int64, from time.Time, scratch bool) ([]detect.Obs, []detect.Span, error) {
	var b pgx.Batch
	var (
		obs []detect.Obs
		old []detect.Span
	)
	b.Queue(`SELECT observed_at, seq, ok FROM results
		WHERE office_code = $1 AND probe_id = $2 AND target_id = $3
		  AND observed_at >= $4 AND (observed_at, seq) > ($4, $5)
		ORDER BY observed_at, seq`, p.OfficeCode, p.ProbeID, target, at, seq).Query(func(rows pgx.Rows) error {
		var o detect.Obs
		_, err := pgx.ForEachRow(rows, []any{&o.At, &o.Seq, &o.OK}, func() error { obs = append(obs, o); return nil })
		return err
	})
	b.Queue(`SELECT kind, started_at, ended_at, coalesce(ended_by, ''), cause FROM outages
		WHERE office_code = $1 AND probe_id = $2 AND target_id = $3 AND ($5 OR started_at >= $4)`,
		p.OfficeCode, p.ProbeID, target, from, scratch).Query(func(rows pgx.Rows) error {
		var err error
		old, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (detect.Span, error) {
			var sp detect.Span
			err := r.Scan(&sp.Kind, &sp.Start, &sp.End, &sp.EndedBy, &sp.Cause)
			return sp, err
		})
		return err
	})
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return nil, nil, fmt.Errorf("read series: %w", err)
	}
	return obs, old, nil
}

// queueSpans queues the insert of spans. A central outage written again
// keeps its old cause (from prev); new ones start unknown. Either way
// recomputeCauses decides once every series of the probe is written.
func queueSpans(b *pgx.Batch, p detect.ProbeRef, t seriesTarget, spans []detect.Span, prev []detect.Span) {
	if len(spans) == 0 {
		return
	}
	was := map[string]api.Cause{}
	for _, sp := range prev {
		was[spanKey(sp)] = sp.Cause
	}
	var (
		starts = make([]time.Time, len(spans))
		ends   = make([]*time.Time, len(spans))
		kinds  = make([]string, len(spans))
		bys    = make([]*string, len(spans))
		causes = make([]string, len(spans))
	)
	for i, sp := range spans {
		starts[i], ends[i], kinds[i] = sp.Start, sp.End, sp.Kind
		if sp.EndedBy != "" {
			by := sp.EndedBy
			bys[i] = &by
		}
		c := detect.OutageCause(t.kind, sp, nil, time.Time{})
		if old, ok := was[spanKey(sp)]; ok && sp.Kind == api.KindDown {
			c = old
		}
		causes[i] = string(c)
	}
	b.Queue(`INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
		SELECT $1, $2, $3, s, e, k, b, c, $9
		FROM unnest($4::timestamptz[], $5::timestamptz[], $6::text[], $7::text[], $8::text[]) AS u(s, e, k, b, c)`,
		p.OfficeCode, p.ProbeID, t.id, starts, ends, kinds, bys, causes, t.kind)
}

// recomputeCauses re-decides the cause of the probe's central down outages
// that are open or end after lo, from the internet reference of the same
// probe (detect.Cause). It returns the earliest start of an outage whose
// cause changed (zero when none did): incident grouping revisits from there.
func recomputeCauses(ctx context.Context, tx pgx.Tx, p detect.ProbeRef, lo time.Time) (time.Time, error) {
	rows, err := tx.Query(ctx, `SELECT o.target_id, o.started_at, coalesce(o.ended_at, s.last_at), o.cause
		FROM outages o JOIN series_state s
			ON s.office_code = o.office_code AND s.probe_id = o.probe_id AND s.target_id = o.target_id
		WHERE o.office_code = $1 AND o.probe_id = $2 AND o.target_kind = 'central' AND o.kind = 'down'
		  AND (o.ended_at IS NULL OR o.ended_at > $3)`, p.OfficeCode, p.ProbeID, lo)
	if err != nil {
		return time.Time{}, fmt.Errorf("central outages: %w", err)
	}
	type outage struct {
		target int64
		start  time.Time
		end    time.Time // ended_at, or the series' last result while open
		cause  string
	}
	os, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (outage, error) {
		var o outage
		err := r.Scan(&o.target, &o.start, &o.end, &o.cause)
		return o, err
	})
	if err != nil || len(os) == 0 {
		return time.Time{}, err
	}
	from := lo
	for _, o := range os {
		if o.start.Before(from) {
			from = o.start
		}
	}
	ref, err := loadReference(ctx, tx, p, from)
	if err != nil {
		return time.Time{}, err
	}
	var (
		targets []int64
		starts  []time.Time
		causes  []string
		changed time.Time
	)
	for _, o := range os {
		if c := string(detect.Cause(ref, o.start, o.end)); c != o.cause {
			targets, starts, causes = append(targets, o.target), append(starts, o.start), append(causes, c)
			if changed.IsZero() || o.start.Before(changed) {
				changed = o.start
			}
		}
	}
	if len(targets) > 0 {
		_, err = tx.Exec(ctx, `UPDATE outages o SET cause = u.c
			FROM unnest($3::bigint[], $4::timestamptz[], $5::text[]) AS u(t, s, c)
			WHERE o.office_code = $1 AND o.probe_id = $2 AND o.target_id = u.t AND o.started_at = u.s`,
			p.OfficeCode, p.ProbeID, targets, starts, causes)
		if err != nil {
			return time.Time{}, fmt.Errorf("update causes: %w", err)
		}
	}
	return changed, nil
}

// loadReference loads the probe's internet series: first results and the
// spans that are open or end after from.
func loadReference(ctx context.Context, q querier, p detect.ProbeRef, from time.Time) ([]detect.Series, error) {
	rows, err := q.Query(ctx, `SELECT s.target_id, s.first_at, o.started_at, o.ended_at, o.kind
		FROM series_state s
		JOIN targets t ON t.office_code = s.office_code AND t.id = s.target_id AND t.kind = 'internet'
		LEFT JOIN outages o ON o.office_code = s.office_code AND o.probe_id = s.probe_id AND o.target_id = s.target_id
			AND (o.ended_at IS NULL OR o.ended_at > $3)
		WHERE s.office_code = $1 AND s.probe_id = $2
		ORDER BY s.target_id, o.started_at`, p.OfficeCode, p.ProbeID, from)
	if err != nil {
		return nil, fmt.Errorf("internet reference: %w", err)
	}
	return collectSeries(rows)
}

// collectSeries groups rows of (series id, first_at, span start, end, kind)
// into detect.Series, one per id, in order.
func collectSeries(rows pgx.Rows) ([]detect.Series, error) {
	var (
		out    []detect.Series
		lastID int64 = -1
		id     int64
		first  time.Time
		start  *time.Time
		end    *time.Time
		kind   *string
	)
	_, err := pgx.ForEachRow(rows, []any{&id, &first, &start, &end, &kind}, func() error {
		if id != lastID {
			out = append(out, detect.Series{First: first})
			lastID = id
		}
		if start != nil {
			s := &out[len(out)-1]
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
		return nil, fmt.Errorf("read series spans: %w", err)
	}
	return out, nil
}
