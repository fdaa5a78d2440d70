package server

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// Reads of outages and incidents for the pages; like pages_data.go, a thin
// stand-in over the detection tables until the detection store exposes
// them, kept to the columns api.Outage and api.Incident define.

// centralOutages lists down outages of central targets of the offices that
// overlap [from, to), oldest first. Durations of open outages run to now.
func (p *pages) centralOutages(ctx context.Context, codes []string, from, to, now time.Time) ([]api.Outage, error) {
	rows, err := p.s.store.Pool().Query(ctx, `
		SELECT o.office_code, f.province_code, o.probe_id, o.target_id, t.name, o.target_kind, o.kind,
			o.started_at, o.ended_at, coalesce(o.ended_by, ''), o.cause,
			EXISTS (SELECT 1 FROM maintenance_windows m WHERE m.starts_at < coalesce(o.ended_at, $4) AND m.ends_at > o.started_at
				AND (m.scope = 'national' OR m.office_code = o.office_code OR m.province_code = f.province_code))
		FROM outages o
		JOIN targets t ON t.office_code = o.office_code AND t.id = o.target_id
		JOIN offices f ON f.code = o.office_code
		WHERE o.office_code = ANY($1) AND o.kind = 'down' AND o.target_kind = 'central'
			AND o.started_at < $3 AND (o.ended_at IS NULL OR o.ended_at > $2)
		ORDER BY o.started_at, o.office_code`, codes, from, to, now)
	if err != nil {
		return nil, fmt.Errorf("read outages: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Outage, error) {
		var o api.Outage
		err := r.Scan(&o.OfficeCode, &o.ProvinceCode, &o.ProbeID, &o.TargetID, &o.TargetName, &o.TargetKind, &o.Kind,
			&o.StartedAt, &o.EndedAt, &o.EndedBy, &o.Cause, &o.InMaintenance)
		end := now
		if o.EndedAt != nil {
			end = *o.EndedAt
		}
		o.DurationSeconds = end.Sub(o.StartedAt).Seconds()
		return o, err
	})
}

// incidents lists incidents overlapping [from, to) (open ones always), with
// their offices; province, when set, keeps those touching that province.
func (p *pages) incidents(ctx context.Context, province string, from, to time.Time) ([]api.Incident, error) {
	rows, err := p.s.store.Pool().Query(ctx, `
		SELECT i.id, i.started_at, i.ended_at, i.scope, i.cause, coalesce(i.province_code, ''), i.peak_offices, i.monitored_offices
		FROM incidents i
		WHERE (i.ended_at IS NULL OR (i.started_at < $3 AND i.ended_at > $2))
			AND ($1 = '' OR EXISTS (SELECT 1 FROM incident_offices io JOIN offices f ON f.code = io.office_code
				WHERE io.incident_id = i.id AND f.province_code = $1))
		ORDER BY i.started_at DESC LIMIT 200`, province, from, to)
	if err != nil {
		return nil, fmt.Errorf("read incidents: %w", err)
	}
	incs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Incident, error) {
		var i api.Incident
		var cause string
		err := r.Scan(&i.ID, &i.StartedAt, &i.EndedAt, &i.Scope, &cause, &i.ProvinceCode, &i.PeakOffices, &i.MonitoredOffices)
		i.Cause = api.Cause(cause)
		return i, err
	})
	if err != nil || len(incs) == 0 {
		return incs, err
	}
	ids := make([]int64, len(incs))
	pos := map[int64]int{}
	for k, i := range incs {
		ids[k], pos[i.ID] = i.ID, k
	}
	rows, err = p.s.store.Pool().Query(ctx, `SELECT io.incident_id, io.office_code, f.province_code, io.started_at, io.ended_at
		FROM incident_offices io JOIN offices f ON f.code = io.office_code
		WHERE io.incident_id = ANY($1) ORDER BY io.office_code, io.started_at`, ids)
	if err != nil {
		return nil, fmt.Errorf("read incident offices: %w", err)
	}
	var (
		id int64
		io api.IncidentOffice
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &io.OfficeCode, &io.ProvinceCode, &io.StartedAt, &io.EndedAt}, func() error {
		v := io
		if io.EndedAt != nil {
			e := *io.EndedAt
			v.EndedAt = &e
		}
		incs[pos[id]].Offices = append(incs[pos[id]].Offices, v)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read incident offices: %w", err)
	}
	return incs, nil
}
