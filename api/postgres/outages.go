package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// Outages lists outages matching f, newest first. Durations of open
// outages run to now.
func (s *Store) Outages(ctx context.Context, f api.OutageFilter, now time.Time) ([]api.Outage, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Kind == "" {
		f.Kind = api.KindDown
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	rows, err := s.pool.Query(ctx, `SELECT o.office_code, f.province_code, o.probe_id, o.target_id, t.name, o.target_kind,
			o.kind, o.started_at, o.ended_at, coalesce(o.ended_by, ''), o.cause,
			(SELECT m.incident_id FROM incident_offices m
			 WHERE o.kind = 'down' AND o.cause = 'central' AND o.target_kind = 'central'
			   AND m.office_code = o.office_code AND m.started_at <= o.started_at
			   AND (m.ended_at IS NULL OR m.ended_at > o.started_at)
			 ORDER BY m.started_at DESC LIMIT 1),
			EXISTS (SELECT 1 FROM maintenance_windows w
			        WHERE (w.scope = 'national' OR w.office_code = o.office_code OR w.province_code = f.province_code)
			          AND w.starts_at < coalesce(o.ended_at, 'infinity') AND w.ends_at > o.started_at
			          AND w.starts_at <= $10) -- a window not yet begun is not one the outage is in
		FROM outages o
		JOIN offices f ON f.code = o.office_code
		JOIN targets t ON t.office_code = o.office_code AND t.id = o.target_id
		WHERE ($1 = '' OR o.office_code = $1) AND ($2 = '' OR f.province_code = $2)
		  AND ($3::timestamptz IS NULL OR o.ended_at IS NULL OR o.ended_at > $3)
		  AND ($4::timestamptz IS NULL OR o.started_at < $4)
		  AND (NOT $5 OR o.ended_at IS NULL)
		  AND ($6 = 'all' OR o.kind = $6)
		  AND ($7 = '' OR o.target_kind = $7)
		  AND ($8 = '' OR o.cause = $8)
		ORDER BY o.started_at DESC, o.office_code, o.probe_id, o.target_id LIMIT $9`,
		f.OfficeCode, f.ProvinceCode, nullTime(f.From), nullTime(f.To), f.OpenOnly, f.Kind, f.TargetKind, string(f.Cause), f.Limit, now)
	if err != nil {
		return nil, fmt.Errorf("list outages: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Outage, error) {
		var o api.Outage
		err := r.Scan(&o.OfficeCode, &o.ProvinceCode, &o.ProbeID, &o.TargetID, &o.TargetName, &o.TargetKind,
			&o.Kind, &o.StartedAt, &o.EndedAt, &o.EndedBy, &o.Cause, &o.IncidentID, &o.InMaintenance)
		end := now
		if o.EndedAt != nil {
			end = *o.EndedAt
		}
		o.DurationSeconds = end.Sub(o.StartedAt).Seconds()
		return o, err
	})
}
