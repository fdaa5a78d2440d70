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

// RecomputeIncidents regroups the central-cause outages around every range
// marked dirty since the last call. One global advisory lock makes it a
// single writer; it runs after the probe transactions have committed, so it
// reads what they wrote.
func (d *Detection) RecomputeIncidents(ctx context.Context, now time.Time, rules detect.ScopeRules) (detect.IncidentOutcome, error) {
	var out detect.IncidentOutcome
	err := pgx.BeginFunc(ctx, d.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pantau.detect.incidents', 0))`); err != nil {
			return fmt.Errorf("incident lock: %w", err)
		}
		var lo *time.Time
		err := tx.QueryRow(ctx, `WITH d AS (
				DELETE FROM incident_dirty WHERE office_code IN (SELECT office_code FROM incident_dirty FOR UPDATE SKIP LOCKED)
				RETURNING from_at)
			SELECT min(from_at) FROM d`).Scan(&lo)
		if err != nil {
			return fmt.Errorf("claim dirty ranges: %w", err)
		}
		if lo == nil {
			return nil
		}
		members, old, err := groupingWindow(ctx, tx, *lo)
		if err != nil {
			return err
		}
		mon, err := monitoredOffices(ctx, tx)
		if err != nil {
			return err
		}
		groups := detect.Incidents(members, mon, rules)
		out.Groups = len(groups)
		out.Changes, err = d.applyGroups(ctx, tx, groups, old, now)
		return err
	})
	if err != nil {
		return detect.IncidentOutcome{}, fmt.Errorf("recompute incidents: %w", err)
	}
	return out, nil
}

// groupingWindow loads the central-cause outages and the incidents that are
// open or end after lo, moving lo back until nothing loaded starts before
// it: then every outage overlapping one loaded is loaded too, and each
// group is whole.
func groupingWindow(ctx context.Context, tx pgx.Tx, lo time.Time) ([]detect.Member, []api.Incident, error) {
	for {
		rows, err := tx.Query(ctx, `SELECT o.office_code, f.province_code, o.started_at, o.ended_at
			FROM outages o JOIN offices f ON f.code = o.office_code
			WHERE o.kind = 'down' AND o.cause = 'central' AND o.target_kind = 'central'
			  AND (o.ended_at IS NULL OR o.ended_at > $1)`, lo)
		if err != nil {
			return nil, nil, fmt.Errorf("central outages: %w", err)
		}
		members, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (detect.Member, error) {
			var m detect.Member
			err := r.Scan(&m.OfficeCode, &m.ProvinceCode, &m.Start, &m.End)
			return m, err
		})
		if err != nil {
			return nil, nil, fmt.Errorf("central outages: %w", err)
		}
		old, err := queryIncidents(ctx, tx, `WHERE i.ended_at IS NULL OR i.ended_at > $1`, lo)
		if err != nil {
			return nil, nil, err
		}
		earliest := lo
		for _, m := range members {
			earliest = minTime(earliest, m.Start)
		}
		for _, i := range old {
			earliest = minTime(earliest, i.StartedAt)
		}
		if earliest.Equal(lo) {
			return members, old, nil
		}
		lo = earliest
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// monitoredOffices counts offices with at least one non-revoked probe, now.
func monitoredOffices(ctx context.Context, q querier) (detect.Monitored, error) {
	rows, err := q.Query(ctx, `SELECT f.province_code, count(*) FROM offices f
		WHERE EXISTS (SELECT 1 FROM probes p WHERE p.office_code = f.code AND p.revoked_at IS NULL)
		GROUP BY 1`)
	if err != nil {
		return detect.Monitored{}, fmt.Errorf("monitored offices: %w", err)
	}
	mon := detect.Monitored{ByProvince: map[string]int{}}
	var (
		prov string
		n    int
	)
	_, err = pgx.ForEachRow(rows, []any{&prov, &n}, func() error {
		mon.ByProvince[prov] = n
		mon.Total += n
		return nil
	})
	if err != nil {
		return mon, fmt.Errorf("monitored offices: %w", err)
	}
	return mon, nil
}

// overlaps reports whether [s1, e1) and [s2, e2) share time; nil is open.
func overlaps(s1 time.Time, e1 *time.Time, s2 time.Time, e2 *time.Time) bool {
	return (e2 == nil || s1.Before(*e2)) && (e1 == nil || s2.Before(*e1))
}

// matchIncident picks the old incident a group continues: the smallest id
// among those it overlaps in time and shares an office with.
func matchIncident(g detect.Group, old []api.Incident, used map[int64]bool) int {
	best := -1
	for i, o := range old {
		if used[o.ID] || !overlaps(g.Start, g.End, o.StartedAt, o.EndedAt) {
			continue
		}
		shared := slices.ContainsFunc(o.Offices, func(a api.IncidentOffice) bool {
			return slices.ContainsFunc(g.Offices, func(b api.IncidentOffice) bool { return a.OfficeCode == b.OfficeCode })
		})
		if shared && (best < 0 || o.ID < old[best].ID) {
			best = i
		}
	}
	return best
}

// applyGroups writes the groups over the old incidents of the window: a
// group continuing an old incident keeps its id; new groups get new ids;
// old incidents no group continues are deleted. Every change goes to the
// hook in this transaction. It returns the number of changes.
func (d *Detection) applyGroups(ctx context.Context, tx pgx.Tx, groups []detect.Group, old []api.Incident, now time.Time) (int, error) {
	used := map[int64]bool{}
	changes := 0
	for _, g := range groups {
		inc := api.Incident{StartedAt: g.Start, EndedAt: g.End, Scope: g.Scope, Cause: api.CauseCentral,
			ProvinceCode: g.ProvinceCode, PeakOffices: g.Peak, MonitoredOffices: g.MonitoredOffices,
			Offices: g.Offices, Affected: g.Affected}
		ch := api.IncidentChange{Kind: api.IncidentOpened}
		if i := matchIncident(g, old, used); i >= 0 {
			prev := old[i]
			used[prev.ID] = true
			inc.ID = prev.ID
			if sameIncident(prev, inc) {
				continue
			}
			ch.PreviousScope = prev.Scope
			switch {
			case prev.EndedAt == nil && inc.EndedAt != nil:
				ch.Kind = api.IncidentRecovered
			case prev.EndedAt != nil && inc.EndedAt == nil:
				ch.Kind = api.IncidentReopened
			case prev.Scope != inc.Scope:
				ch.Kind = api.IncidentScopeChanged
			default:
				ch.Kind = api.IncidentUpdated
			}
		}
		if err := writeIncident(ctx, tx, &inc, now); err != nil {
			return changes, err
		}
		ch.Incident = inc
		if err := d.tell(ctx, tx, ch); err != nil {
			return changes, err
		}
		changes++
	}
	for _, o := range old {
		if used[o.ID] {
			continue
		}
		if _, err := tx.Exec(ctx, `DELETE FROM incidents WHERE id = $1`, o.ID); err != nil {
			return changes, fmt.Errorf("retract incident %d: %w", o.ID, err)
		}
		if err := d.tell(ctx, tx, api.IncidentChange{Kind: api.IncidentRetracted, Incident: o}); err != nil {
			return changes, err
		}
		changes++
	}
	return changes, nil
}

func (d *Detection) tell(ctx context.Context, tx pgx.Tx, ch api.IncidentChange) error {
	if d.hook == nil {
		return nil
	}
	if err := d.hook(ctx, tx, ch); err != nil {
		return fmt.Errorf("incident hook (%s %d): %w", ch.Kind, ch.Incident.ID, err)
	}
	return nil
}

// sameIncident compares what is stored of an incident.
func sameIncident(a, b api.Incident) bool {
	eqEnd := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	if !a.StartedAt.Equal(b.StartedAt) || !eqEnd(a.EndedAt, b.EndedAt) || a.Scope != b.Scope ||
		a.ProvinceCode != b.ProvinceCode || a.PeakOffices != b.PeakOffices ||
		a.MonitoredOffices != b.MonitoredOffices || len(a.Offices) != len(b.Offices) {
		return false
	}
	for i := range a.Offices {
		x, y := a.Offices[i], b.Offices[i]
		if x.OfficeCode != y.OfficeCode || !x.StartedAt.Equal(y.StartedAt) || !eqEnd(x.EndedAt, y.EndedAt) {
			return false
		}
	}
	return true
}

// writeIncident inserts inc (ID 0) or updates it, and replaces its offices.
func writeIncident(ctx context.Context, tx pgx.Tx, inc *api.Incident, now time.Time) error {
	prov := &inc.ProvinceCode
	if inc.ProvinceCode == "" {
		prov = nil
	}
	var err error
	if inc.ID == 0 {
		err = tx.QueryRow(ctx, `INSERT INTO incidents (started_at, ended_at, scope, province_code, peak_offices, monitored_offices, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
			inc.StartedAt, inc.EndedAt, inc.Scope, prov, inc.PeakOffices, inc.MonitoredOffices, now).Scan(&inc.ID)
	} else {
		_, err = tx.Exec(ctx, `UPDATE incidents SET started_at = $2, ended_at = $3, scope = $4, province_code = $5,
				peak_offices = $6, monitored_offices = $7, updated_at = $8 WHERE id = $1`,
			inc.ID, inc.StartedAt, inc.EndedAt, inc.Scope, prov, inc.PeakOffices, inc.MonitoredOffices, now)
		if err == nil {
			_, err = tx.Exec(ctx, `DELETE FROM incident_offices WHERE incident_id = $1`, inc.ID)
		}
	}
	if err != nil {
		return fmt.Errorf("write incident: %w", err)
	}
	var (
		codes  []string
		starts []time.Time
		ends   []*time.Time
	)
	for _, o := range inc.Offices {
		codes, starts, ends = append(codes, o.OfficeCode), append(starts, o.StartedAt), append(ends, o.EndedAt)
	}
	_, err = tx.Exec(ctx, `INSERT INTO incident_offices (office_code, incident_id, started_at, ended_at)
		SELECT c, $1, s, e FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS u(c, s, e)`,
		inc.ID, codes, starts, ends)
	if err != nil {
		return fmt.Errorf("write incident offices: %w", err)
	}
	return nil
}
