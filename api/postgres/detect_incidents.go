package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// RecomputeIncidents regroups the central-cause outages around every range
// marked dirty since the last call. One global advisory lock makes it a
// single writer; it runs after the probe transactions have committed, so it
// reads what they wrote. The rules are detect's (Incidents, Reconcile):
// this only loads their input and writes their decisions.
func (d *Detection) RecomputeIncidents(ctx context.Context, now time.Time, rules detect.IncidentRules) (detect.IncidentOutcome, error) {
	rules = rules.WithDefaults()
	var out detect.IncidentOutcome
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pantau.detect.incidents', 0))`); err != nil {
			return fmt.Errorf("incident lock: %w", err)
		}
		// The marks are read, not locked: a detector's chunk that marks an
		// office again must not wait for this transaction (at a national
		// cut it runs for seconds, and every chunk marks). Each mark is
		// deleted at the end only if no detector has marked it since (its
		// row version, xmin, unchanged); one marked meanwhile stays for the
		// next grouping. A mark committed with its outages is seen with them:
		// the outages are read after it.
		rows, err := tx.Query(ctx, `SELECT office_code, from_at, xmin::text FROM incident_dirty`)
		if err != nil {
			return fmt.Errorf("read dirty ranges: %w", err)
		}
		var (
			lo          time.Time
			codes, vers []string
		)
		var (
			code, ver string
			at        time.Time
		)
		_, err = pgx.ForEachRow(rows, []any{&code, &at, &ver}, func() error {
			if len(codes) == 0 || at.Before(lo) {
				lo = at
			}
			codes, vers = append(codes, code), append(vers, ver)
			return nil
		})
		if err != nil {
			return fmt.Errorf("read dirty ranges: %w", err)
		}
		if len(codes) == 0 {
			return nil
		}
		members, old, err := groupingWindow(ctx, tx, lo, rules.Reopen)
		if err != nil {
			return err
		}
		mon, err := monitoredOffices(ctx, tx)
		if err != nil {
			return err
		}
		groups := detect.Incidents(members, mon, rules)
		out.Groups = len(groups)
		changes := detect.Reconcile(groups, old, now)
		// Each stored incident's offices as just read, in this transaction
		// under the lock: an update writes only the rows that differ.
		stored := make(map[int64][]api.IncidentOffice, len(old))
		for _, i := range old {
			stored[i.ID] = i.Offices
		}
		for i := range changes {
			if err := d.apply(ctx, tx, &changes[i], stored[changes[i].Incident.ID], now); err != nil {
				return err
			}
		}
		out.Changes, out.Committed = len(changes), changes
		_, err = tx.Exec(ctx, `DELETE FROM incident_dirty d USING unnest($1::text[], $2::text[]) AS u(c, v)
			WHERE d.office_code = u.c AND d.xmin::text = u.v`, codes, vers)
		if err != nil {
			return fmt.Errorf("clear dirty ranges: %w", err)
		}
		return nil
	})
	if err != nil {
		return detect.IncidentOutcome{}, fmt.Errorf("recompute incidents: %w", err)
	}
	return out, nil
}

// groupingWindow loads the central-cause outages and the incidents that are
// open or end after lo − reopen, moving lo back until nothing loaded starts
// before it: then every outage overlapping one loaded, or less than the
// re-open window before it, is loaded too, and each group is whole.
//
// The outages' own steps are taken in one statement (centralWindow): lo
// usually moves two or three times (to the start of an outage still open,
// then of one that ended within the re-open window before it, ...), and
// each step read the window's outages and incidents again (about five
// reads of each per grouping in bench-detect). The incidents are read
// once the outages stand, and the outages again only if an incident moved
// lo. Every step moves lo to the start of something any window containing
// the first must contain, so the window is the one the steps one at a
// time found.
func groupingWindow(ctx context.Context, tx pgx.Tx, lo time.Time, reopen time.Duration) ([]detect.Member, []api.Incident, error) {
	for {
		rows, err := tx.Query(ctx, centralWindow, lo, reopen)
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
		// The statement's lo: nothing it loaded starts before it.
		for _, m := range members {
			lo = minTime(lo, m.Start)
		}
		old, err := queryIncidents(ctx, tx, `WHERE i.ended_at IS NULL OR i.ended_at > $1`, lo.Add(-reopen))
		if err != nil {
			return nil, nil, err
		}
		earliest := lo
		for _, i := range old {
			earliest = minTime(earliest, i.StartedAt)
		}
		if earliest.Equal(lo) {
			return members, old, nil
		}
		lo = earliest
	}
}

// centralWindow selects the central-cause outages open or ending after
// lo − $2, lo moved back from $1 until none of them starts before it (a
// recursive step per move; UNION ends it once a step leaves lo where it
// was).
const centralWindow = `
WITH RECURSIVE w(lo) AS (
	SELECT $1::timestamptz
	UNION
	SELECT least(w.lo, (SELECT min(o.started_at) FROM outages o
		WHERE o.kind = 'down' AND o.cause = 'central' AND o.target_kind = 'central'
		  AND (o.ended_at IS NULL OR o.ended_at > w.lo - $2::interval)))
	FROM w
)
SELECT o.office_code, f.province_code, o.started_at, o.ended_at
FROM outages o JOIN offices f ON f.code = o.office_code
WHERE o.kind = 'down' AND o.cause = 'central' AND o.target_kind = 'central'
  AND (o.ended_at IS NULL OR o.ended_at > (SELECT min(lo) FROM w) - $2::interval)`

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

// apply writes one of Reconcile's decisions and tells the hook, with the
// id of a new incident filled in. stored are the incident's offices as
// stored (none for a new one).
func (d *Detection) apply(ctx context.Context, tx pgx.Tx, ch *api.IncidentChange, stored []api.IncidentOffice, now time.Time) error {
	if ch.Kind == api.IncidentRetracted {
		if _, err := tx.Exec(ctx, `DELETE FROM incidents WHERE id = $1`, ch.Incident.ID); err != nil {
			return fmt.Errorf("retract incident %d: %w", ch.Incident.ID, err)
		}
	} else if err := writeIncident(ctx, tx, &ch.Incident, stored, now); err != nil {
		return err
	}
	return d.tell(ctx, tx, *ch)
}

func (d *Detection) tell(ctx context.Context, tx pgx.Tx, ch api.IncidentChange) error {
	if d.hook == nil {
		return nil
	}
	if err := d.hook(ctx, &EscalationTx{q: tx}, ch); err != nil {
		return fmt.Errorf("incident hook (%s %d): %w", ch.Kind, ch.Incident.ID, err)
	}
	return nil
}

// writeIncident inserts inc (ID 0; first seen and late as decided) or
// updates it (those stay as stored), and brings its offices' rows from
// stored (as read in this transaction) to inc's: only the rows that differ
// are deleted and inserted, so a national incident that one more office
// joins or leaves costs a row, not its thousands (each sent, anti-joined
// and probed on every grouping while a national cut opens and closes).
func writeIncident(ctx context.Context, tx pgx.Tx, inc *api.Incident, stored []api.IncidentOffice, now time.Time) error {
	prov := &inc.ProvinceCode
	if inc.ProvinceCode == "" {
		prov = nil
	}
	existing := inc.ID != 0
	if !existing {
		err := tx.QueryRow(ctx, `INSERT INTO incidents (started_at, ended_at, scope, province_code, peak_offices, monitored_offices,
				late, flaps, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			inc.StartedAt, inc.EndedAt, inc.Scope, prov, inc.PeakOffices, inc.MonitoredOffices, inc.Late, inc.Flaps,
			inc.FirstSeenAt, now).Scan(&inc.ID)
		if err != nil {
			return fmt.Errorf("write incident: %w", err)
		}
	}
	gone, added := officeChanges(stored, inc.Offices)
	b := &pgx.Batch{}
	if existing {
		b.Queue(`UPDATE incidents SET started_at = $2, ended_at = $3, scope = $4, province_code = $5,
				peak_offices = $6, monitored_offices = $7, flaps = $8, updated_at = $9 WHERE id = $1`,
			inc.ID, inc.StartedAt, inc.EndedAt, inc.Scope, prov, inc.PeakOffices, inc.MonitoredOffices, inc.Flaps, now)
	}
	if len(gone) > 0 {
		codes, starts, _ := officeColumns(gone)
		b.Queue(`DELETE FROM incident_offices m USING unnest($2::text[], $3::timestamptz[]) AS u(c, s)
			WHERE m.incident_id = $1 AND m.office_code = u.c AND m.started_at = u.s`, inc.ID, codes, starts)
	}
	if len(added) > 0 {
		codes, starts, ends := officeColumns(added)
		b.Queue(`INSERT INTO incident_offices (office_code, incident_id, started_at, ended_at)
			SELECT c, $1, s, e FROM unnest($2::text[], $3::timestamptz[], $4::timestamptz[]) AS u(c, s, e)
			ON CONFLICT (office_code, incident_id, started_at) DO NOTHING`,
			inc.ID, codes, starts, ends)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("write incident %d and its offices: %w", inc.ID, err)
	}
	return nil
}

// officeChanges compares an incident's office rows as stored with what
// they become: gone are stored rows not kept as they are (deleted, by
// their key: office and start), added the rows to insert (new, or a kept
// key whose end moved).
func officeChanges(stored, want []api.IncidentOffice) (gone, added []api.IncidentOffice) {
	type key struct {
		code  string
		start int64
	}
	keyOf := func(o api.IncidentOffice) key { return key{o.OfficeCode, o.StartedAt.UnixNano()} }
	sameEnd := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
	have := make(map[key]*time.Time, len(stored))
	for _, o := range stored {
		have[keyOf(o)] = o.EndedAt
	}
	kept := make(map[key]bool, len(want))
	for _, o := range want {
		k := keyOf(o)
		if end, ok := have[k]; ok && sameEnd(end, o.EndedAt) {
			kept[k] = true
			continue
		}
		added = append(added, o)
	}
	for _, o := range stored {
		if !kept[keyOf(o)] {
			gone = append(gone, o)
		}
	}
	return gone, added
}

// officeColumns turns office rows into columns for unnest.
func officeColumns(os []api.IncidentOffice) (codes []string, starts []time.Time, ends []*time.Time) {
	for _, o := range os {
		codes, starts, ends = append(codes, o.OfficeCode), append(starts, o.StartedAt), append(ends, o.EndedAt)
	}
	return codes, starts, ends
}
