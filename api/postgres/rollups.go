package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/pantau-id/pantau/api"
)

// rollupHours recomputes, from the raw rows, every hour that received a row
// in [$1, $2); a rollup of an hour before $3 is frozen (see RefreshRollups). Each touched key is one range scan of the series index in the
// partition of its day (runtime partition pruning on observed_at).
const rollupHours = `
WITH touched AS (
	SELECT DISTINCT office_code, probe_id, target_id, date_trunc('hour', observed_at, 'UTC') AS hour
	FROM results WHERE received_at >= $1 AND received_at < $2
)
INSERT INTO result_rollups AS ru (office_code, probe_id, target_id, hour, checks, failures,
	latency_p50, latency_p95, latency_p99, latency_max, refreshed_at)
SELECT t.office_code, t.probe_id, t.target_id, t.hour, a.checks, a.failures, a.p50, a.p95, a.p99, a.mx, now()
FROM touched t
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
ON CONFLICT (office_code, probe_id, target_id, hour) DO UPDATE SET
	checks = EXCLUDED.checks, failures = EXCLUDED.failures,
	latency_p50 = EXCLUDED.latency_p50, latency_p95 = EXCLUDED.latency_p95,
	latency_p99 = EXCLUDED.latency_p99, latency_max = EXCLUDED.latency_max,
	refreshed_at = EXCLUDED.refreshed_at
WHERE ru.hour >= $3`

// RefreshRollups recomputes every hour that received results since the last
// refresh (less margin, for ingest transactions still open then) and moves
// the mark, in one transaction: a crash redoes the window, and recomputing
// an hour from its raw rows is idempotent. Concurrent refreshes (two
// servers) take turns on an advisory lock.
//
// Rollups of hours before frozenBefore (the raw retention's cutoff) are not
// recomputed: their raw rows are gone, so a recomputation from a late
// straggler alone would replace a full hour by one row. Such stragglers only
// fill hours that had no rollup yet; the job then drops them with their
// partition. Zero freezes nothing.
func (s *Store) RefreshRollups(ctx context.Context, margin time.Duration, frozenBefore time.Time) (api.RollupRefresh, error) {
	var out api.RollupRefresh
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('pantau.rollups'))`); err != nil {
			return err
		}
		var (
			mark pgtype.Timestamptz
			to   time.Time
		)
		if err := tx.QueryRow(ctx, `SELECT received_to, now() FROM rollup_progress FOR UPDATE`).Scan(&mark, &to); err != nil {
			return err
		}
		out.To = to
		// The first refresh reads every row there is.
		var lo any = "-infinity"
		if mark.InfinityModifier == pgtype.Finite {
			out.From = mark.Time.Add(-margin)
			lo = out.From
		}
		var frozen any = "-infinity"
		if !frozenBefore.IsZero() {
			frozen = frozenBefore
		}
		tag, err := tx.Exec(ctx, rollupHours, lo, to, frozen)
		if err != nil {
			return err
		}
		out.Hours = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE rollup_progress SET received_to = $1`, to)
		return err
	})
	if err != nil {
		return api.RollupRefresh{}, fmt.Errorf("refresh rollups: %w", err)
	}
	return out, nil
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
