package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// Incidents lists incidents matching f, newest first, with their offices
// and the count of offices down over time.
func (s *Store) Incidents(ctx context.Context, f api.IncidentFilter) ([]api.Incident, error) {
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if f.Limit == 0 {
		f.Limit = 100
	}
	return queryIncidents(ctx, s.pool, `
		WHERE ($1 = '' OR EXISTS (SELECT 1 FROM incident_offices m WHERE m.incident_id = i.id AND m.office_code = $1))
		  AND ($2 = '' OR EXISTS (SELECT 1 FROM incident_offices m JOIN offices f ON f.code = m.office_code
		                          WHERE m.incident_id = i.id AND f.province_code = $2))
		  AND ($3::timestamptz IS NULL OR i.ended_at IS NULL OR i.ended_at > $3)
		  AND ($4::timestamptz IS NULL OR i.started_at < $4)
		  AND (NOT $5 OR i.ended_at IS NULL)
		  AND ($6 = '' OR i.scope = $6)
		ORDER BY i.started_at DESC, i.id DESC LIMIT $7`,
		f.OfficeCode, f.ProvinceCode, nullTime(f.From), nullTime(f.To), f.OpenOnly, f.Scope, f.Limit)
}

// Incident returns one incident by id.
func (s *Store) Incident(ctx context.Context, id int64) (api.Incident, error) {
	is, err := queryIncidents(ctx, s.pool, `WHERE i.id = $1`, id)
	if err != nil {
		return api.Incident{}, err
	}
	if len(is) == 0 {
		return api.Incident{}, api.Errorf(api.ENotFound, "incident %d not found", id)
	}
	return is[0], nil
}

// queryIncidents reads incidents selected by where (over alias i) and their
// offices, and derives the affected steps.
func queryIncidents(ctx context.Context, q querier, where string, args ...any) ([]api.Incident, error) {
	rows, err := q.Query(ctx, `SELECT i.id, i.started_at, i.ended_at, i.scope, i.cause, coalesce(i.province_code, ''),
			i.peak_offices, i.monitored_offices, i.created_at, i.late, i.flaps,
			EXISTS (SELECT 1 FROM maintenance_windows w JOIN incident_offices m ON m.incident_id = i.id
			        JOIN offices f ON f.code = m.office_code
			        WHERE (w.scope = 'national' OR w.office_code = f.code OR w.province_code = f.province_code)
			          AND w.starts_at < coalesce(i.ended_at, 'infinity') AND w.ends_at > i.started_at
			          AND w.starts_at <= now()) -- a window not yet begun is not one the incident is in
		FROM incidents i `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents: %w", err)
	}
	is, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Incident, error) {
		var i api.Incident
		err := r.Scan(&i.ID, &i.StartedAt, &i.EndedAt, &i.Scope, &i.Cause, &i.ProvinceCode, &i.PeakOffices,
			&i.MonitoredOffices, &i.FirstSeenAt, &i.Late, &i.Flaps, &i.InMaintenance)
		return i, err
	})
	if err != nil || len(is) == 0 {
		return is, mapError(err, "incidents")
	}
	ids := make([]int64, len(is))
	at := map[int64]int{}
	for n, i := range is {
		ids[n], at[i.ID] = i.ID, n
	}
	rows, err = q.Query(ctx, `SELECT m.incident_id, m.office_code, f.province_code, m.started_at, m.ended_at
		FROM incident_offices m JOIN offices f ON f.code = m.office_code
		WHERE m.incident_id = ANY($1) ORDER BY m.incident_id, m.started_at, m.office_code`, ids)
	if err != nil {
		return nil, fmt.Errorf("incident offices: %w", err)
	}
	var (
		id int64
		o  api.IncidentOffice
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &o.OfficeCode, &o.ProvinceCode, &o.StartedAt, &o.EndedAt}, func() error {
		c := o
		if o.EndedAt != nil {
			e := *o.EndedAt
			c.EndedAt = &e
		}
		is[at[id]].Offices = append(is[at[id]].Offices, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("incident offices: %w", err)
	}
	for n := range is {
		is[n].Affected, _ = detect.Affected(is[n].Offices)
	}
	return is, nil
}
