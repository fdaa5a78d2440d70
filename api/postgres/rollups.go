package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// takeDirty deletes the marks of hours before $1 and returns them, skipping
// marks an open ingest transaction holds (they stay for the next refresh).
const takeDirty = `
DELETE FROM rollup_dirty d
USING (SELECT office_code, probe_id, target_id, hour FROM rollup_dirty WHERE hour < $1
	FOR UPDATE SKIP LOCKED) t
WHERE d.office_code = t.office_code AND d.probe_id = t.probe_id AND d.target_id = t.target_id AND d.hour = t.hour
RETURNING d.office_code, d.probe_id, d.target_id, d.hour`

// rollupHours recomputes, from the raw rows, each given hour ($1…$4); a
// rollup of an hour before $5 is frozen (see RefreshRollups). Each key is
// one range scan of the series index in the partition of its day (runtime
// partition pruning on observed_at).
const rollupHours = `
INSERT INTO result_rollups AS ru (office_code, probe_id, target_id, hour, checks, failures,
	latency_p50, latency_p95, latency_p99, latency_max, refreshed_at)
SELECT t.office_code, t.probe_id, t.target_id, t.hour, a.checks, a.failures, a.p50, a.p95, a.p99, a.mx, now()
FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::timestamptz[]) AS t(office_code, probe_id, target_id, hour)
CROSS JOIN LATERAL (
	SELECT count(*) AS checks, count(*) FILTER (WHERE NOT r.ok) AS failures,
		percentile_cont(0.50) WITHIN GROUP (ORDER BY r.latency_ms) FILTER (WHERE r.ok) AS p50,
		percentile_cont(0.95) WITHIN GROUP (ORDER BY r.latency_ms) FILTER (WHERE r.ok) AS p95,
		percentile_cont(0.99) WITHIN GROUP (ORDER BY r.latency_ms) FILTER (WHERE r.ok) AS p99,
		max(r.latency_ms) FILTER (WHERE r.ok) AS mx
	FROM results r
	WHERE r.office_code = t.office_code AND r.probe_id = t.probe_id AND r.target_id = t.target_id
		AND r.observed_at >= t.hour AND r.observed_at < t.hour + interval '1 hour'
) a
WHERE a.checks > 0
ON CONFLICT (office_code, probe_id, target_id, hour) DO UPDATE SET
	checks = EXCLUDED.checks, failures = EXCLUDED.failures,
	latency_p50 = EXCLUDED.latency_p50, latency_p95 = EXCLUDED.latency_p95,
	latency_p99 = EXCLUDED.latency_p99, latency_max = EXCLUDED.latency_max,
	refreshed_at = EXCLUDED.refreshed_at
WHERE ru.hour >= $5`

// RefreshRollups recomputes every hour that ended before closedBefore and
// got results since it was last computed, as ingest marked them. An hour is
// thus computed once when it has closed, and again only if late results
// land in it; the hour still open is left alone. It runs in one
// transaction: a crash leaves the marks for the next run.
//
// The marks are taken in one statement and the hours recomputed in the
// next, so the recomputation (READ COMMITTED: a new snapshot) sees every
// row of every ingest that committed before the marks were taken; rows of an
// ingest still open come with a mark the next refresh takes.
//
// Rollups of hours before frozenBefore (the raw retention's cutoff) are not
// recomputed: their raw rows are gone, so a recomputation from a late
// straggler alone would replace a full hour by one row. Such stragglers only
// fill hours that had no rollup yet; the job then drops them with their
// partition. Zero freezes nothing.
func (s *Store) RefreshRollups(ctx context.Context, closedBefore, frozenBefore time.Time) (api.RollupRefresh, error) {
	out := api.RollupRefresh{Before: closedBefore}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, takeDirty, closedBefore)
		if err != nil {
			return err
		}
		var (
			offices        []string
			probes, tgts   []int64
			hours          []time.Time
			office         string
			probeID, tgtID int64
			hour           time.Time
		)
		_, err = pgx.ForEachRow(rows, []any{&office, &probeID, &tgtID, &hour}, func() error {
			offices, probes, tgts, hours = append(offices, office), append(probes, probeID), append(tgts, tgtID), append(hours, hour)
			return nil
		})
		if err != nil || len(offices) == 0 {
			return err
		}
		var frozen any = "-infinity"
		if !frozenBefore.IsZero() {
			frozen = frozenBefore
		}
		tag, err := tx.Exec(ctx, rollupHours, offices, probes, tgts, hours, frozen)
		if err != nil {
			return err
		}
		out.Hours = tag.RowsAffected()
		return nil
	})
	if err != nil {
		return api.RollupRefresh{}, fmt.Errorf("refresh rollups: %w", err)
	}
	return out, nil
}

// RollupFilter selects rollups; zero fields match everything.
type RollupFilter struct {
	OfficeCode string
	ProbeID    int64
	TargetID   int64
	// From and To bound the hour, To exclusive; zero means unbounded.
	From, To time.Time
}

// Rollups lists rollups matching f by office, probe, target and hour.
func (s *Store) Rollups(ctx context.Context, f api.RollupFilter) ([]api.Rollup, error) {
	from, to := any(f.From), any(f.To)
	if f.From.IsZero() {
		from = "-infinity"
	}
	if f.To.IsZero() {
		to = "infinity"
	}
	rows, err := s.pool.Query(ctx, `SELECT office_code, probe_id, target_id, hour, checks, failures,
			latency_p50, latency_p95, latency_p99, latency_max
		FROM result_rollups
		WHERE ($1 = '' OR office_code = $1) AND ($2 = 0 OR probe_id = $2) AND ($3 = 0 OR target_id = $3)
			AND hour >= $4::timestamptz AND hour < $5::timestamptz
		ORDER BY office_code, probe_id, target_id, hour`, f.OfficeCode, f.ProbeID, f.TargetID, from, to)
	if err != nil {
		return nil, fmt.Errorf("list rollups: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Rollup, error) {
		var ru api.Rollup
		err := r.Scan(&ru.OfficeCode, &ru.ProbeID, &ru.TargetID, &ru.Hour, &ru.Checks, &ru.Failures, &ru.P50, &ru.P95, &ru.P99, &ru.Max)
		return ru, err
	})
	if err != nil {
		return nil, fmt.Errorf("list rollups: %w", err)
	}
	return out, nil
}
