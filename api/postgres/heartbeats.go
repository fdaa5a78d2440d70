package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// heartbeats reads the newest $4 checks of each of office $1's targets
// observed in ($2, $3]. The lateral query runs per (probe, target), so each
// is a backward range scan of the series index (office, probe, target,
// observed_at) that stops after $4 rows, in the partitions the window
// prunes to; the window function then keeps the newest $4 over the
// office's probes.
const heartbeats = `
SELECT target_id, probe_id, observed_at, ok, failure, latency_ms FROM (
	SELECT t.id AS target_id, p.id AS probe_id, h.observed_at, h.ok, coalesce(h.failure, '') AS failure, h.latency_ms,
		row_number() OVER (PARTITION BY t.id ORDER BY h.observed_at DESC, p.id) AS n
	FROM targets t
	JOIN probes p ON p.office_code = t.office_code
	CROSS JOIN LATERAL (
		SELECT r.observed_at, r.ok, r.failure, r.latency_ms FROM results r
		WHERE r.office_code = t.office_code AND r.probe_id = p.id AND r.target_id = t.id
			AND r.observed_at > $2 AND r.observed_at <= $3
		ORDER BY r.observed_at DESC LIMIT $4
	) h
	WHERE t.office_code = $1
) x
WHERE n <= $4
ORDER BY target_id, observed_at, probe_id`

// Heartbeats returns, per target of office, its newest n checks observed
// after since and not after until, oldest first: the office page's
// heartbeat bars. A target with no check in the window has no entry.
func (s *Store) Heartbeats(ctx context.Context, office string, since, until time.Time, n int) (map[int64][]api.Heartbeat, error) {
	if n <= 0 || n > 1000 {
		return nil, api.FieldErrorf("n", "must be between 1 and 1000")
	}
	rows, err := s.pool.Query(ctx, heartbeats, office, since, until, n)
	if err != nil {
		return nil, fmt.Errorf("heartbeats of %s: %w", office, err)
	}
	out := map[int64][]api.Heartbeat{}
	var (
		h   api.Heartbeat
		lat float32
	)
	_, err = pgx.ForEachRow(rows, []any{&h.TargetID, &h.ProbeID, &h.ObservedAt, &h.OK, &h.Failure, &lat}, func() error {
		h.LatencyMS = float64(lat)
		out[h.TargetID] = append(out[h.TargetID], h)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("heartbeats of %s: %w", office, err)
	}
	return out, nil
}
