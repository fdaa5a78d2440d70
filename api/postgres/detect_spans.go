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
	// wrote says the checkpoint end was written, with first (the series'
	// first result): causes are judged from them.
	wrote bool
	first time.Time
	end   detect.Checkpoint
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
			// A stored span across the reset point was judged without
			// results that have arrived since (the reset point can be
			// one of them: results are read as committed now, not as
			// claimed); its start cannot be trusted, so replay it all.
			var across bool
			err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM outages WHERE office_code = $1 AND probe_id = $2 AND target_id = $3
				AND started_at < $4 AND (ended_at IS NULL OR ended_at > $4))`, p.OfficeCode, p.ProbeID, id, at).Scan(&across)
			if err != nil {
				return seriesResult{}, fmt.Errorf("spans across the reset point: %w", err)
			}
			if across {
				afterAt, afterSeq, replaceFrom, scratch = time.Time{}, -1, time.Time{}, true
			}
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
	var (
		b    pgx.Batch
		rows spanRows
		cps  checkpointRows
	)
	if changed {
		b.Queue(`DELETE FROM outages WHERE office_code = $1 AND probe_id = $2 AND target_id = $3
			AND (started_at >= $4 OR ($5 AND (ended_at IS NULL OR ended_at > $4)))`,
			p.OfficeCode, p.ProbeID, id, replaceFrom, scratch)
		rows.add(p, w.target, spans, old, api.CauseUnknown)
		rows.queue(&b)
	}
	overlaps := rows.queueCheck(&b)
	cps.add(p, w.target, first, end, now)
	cps.queue(&b)
	if err := tx.SendBatch(ctx, &b).Close(); err != nil {
		return seriesResult{}, mapError(err, "outages")
	}
	if err := overlaps(); err != nil {
		return seriesResult{}, err
	}
	return seriesResult{spans: len(spans), from: replaceFrom, changed: changed, down: end.Down, wrote: true, first: first, end: end}, nil
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
