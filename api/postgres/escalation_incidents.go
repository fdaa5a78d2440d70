package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// Escalation is the store as Slack escalation sees it (api/escalate's
// Store): its incidents, threads, policy and outbox.
type Escalation struct{ s *Store }

// Escalation returns escalation's port.
func (s *Store) Escalation() *Escalation { return &Escalation{s: s} }

// EscalationTx is api.EscalationTx over one pgx transaction.
type EscalationTx struct{ q pgx.Tx }

var _ api.EscalationTx = (*EscalationTx)(nil)

// ModelReader reads the report model's inputs inside the same transaction
// (the recovery estimate sees the recovery not yet committed).
func (t *EscalationTx) ModelReader() *ModelReader { return TxModelReader(t.q) }

// InTx runs f in one transaction of its own.
func (e *Escalation) InTx(ctx context.Context, f func(api.EscalationTx) error) error {
	if err := pgx.BeginFunc(ctx, e.s.pool, func(tx pgx.Tx) error { return f(&EscalationTx{q: tx}) }); err != nil {
		return fmt.Errorf("escalation transaction: %w", err)
	}
	return nil
}

const escIncidentColumns = `office_code, incident_id, scope, cause, offices, started_at, ended_at,
	estimate, acked_at, acked_by, acked_name, retracted, maintenance, late, flapping, first_seen_at, version, promise, merged_into`

func scanEscIncident(row pgx.Row) (api.EscalationIncident, error) {
	var inc api.EscalationIncident
	var offices, estimate, promise []byte
	var merged *int64
	if err := row.Scan(&inc.Anchor, &inc.ID, &inc.Scope, &inc.Cause, &offices, &inc.StartedAt,
		&inc.EndedAt, &estimate, &inc.AckedAt, &inc.AckedBy, &inc.AckedName, &inc.Retracted, &inc.Maintenance,
		&inc.Late, &inc.Flapping, &inc.FirstSeen, &inc.Version, &promise, &merged); err != nil {
		return api.EscalationIncident{}, err
	}
	if merged != nil {
		inc.MergedInto = *merged
	}
	if err := json.Unmarshal(offices, &inc.Offices); err != nil {
		return api.EscalationIncident{}, fmt.Errorf("decode incident offices: %w", err)
	}
	if estimate != nil {
		inc.Estimate = new(api.BacklogEstimate)
		if err := json.Unmarshal(estimate, inc.Estimate); err != nil {
			return api.EscalationIncident{}, fmt.Errorf("decode incident estimate: %w", err)
		}
	}
	if promise != nil {
		inc.Promise = new(api.PromiseSummary)
		if err := json.Unmarshal(promise, inc.Promise); err != nil {
			return api.EscalationIncident{}, fmt.Errorf("decode incident promise: %w", err)
		}
	}
	return inc, nil
}

// LockIncident implements api.EscalationTx.
func (t *EscalationTx) LockIncident(ctx context.Context, id int64) (api.EscalationIncident, bool, error) {
	inc, err := scanEscIncident(t.q.QueryRow(ctx, `SELECT `+escIncidentColumns+`
		FROM escalation_incidents WHERE incident_id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return api.EscalationIncident{}, false, nil
	}
	if err != nil {
		return api.EscalationIncident{}, false, fmt.Errorf("load incident %d: %w", id, err)
	}
	return inc, true, nil
}

// SaveIncident implements api.EscalationTx.
func (t *EscalationTx) SaveIncident(ctx context.Context, inc api.EscalationIncident) error {
	offices, err := json.Marshal(inc.Offices)
	if err != nil {
		return fmt.Errorf("encode offices: %w", err)
	}
	var estimate, promise []byte
	var merged *int64
	if inc.MergedInto != 0 {
		merged = &inc.MergedInto
	}
	if inc.Estimate != nil {
		if estimate, err = json.Marshal(inc.Estimate); err != nil {
			return fmt.Errorf("encode estimate: %w", err)
		}
	}
	if inc.Promise != nil {
		if promise, err = json.Marshal(inc.Promise); err != nil {
			return fmt.Errorf("encode promise: %w", err)
		}
	}
	_, err = t.q.Exec(ctx, `
		INSERT INTO escalation_incidents (`+escIncidentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		ON CONFLICT (office_code, incident_id) DO UPDATE SET
			scope = excluded.scope, cause = excluded.cause, offices = excluded.offices,
			started_at = excluded.started_at, ended_at = excluded.ended_at,
			estimate = excluded.estimate, acked_at = excluded.acked_at, acked_by = excluded.acked_by,
			acked_name = excluded.acked_name, retracted = excluded.retracted,
			maintenance = excluded.maintenance, late = excluded.late, flapping = excluded.flapping,
			version = excluded.version, promise = excluded.promise, merged_into = excluded.merged_into`,
		inc.Anchor, inc.ID, inc.Scope, inc.Cause, offices, inc.StartedAt, inc.EndedAt,
		estimate, inc.AckedAt, inc.AckedBy, inc.AckedName, inc.Retracted, inc.Maintenance, inc.Late, inc.Flapping,
		inc.FirstSeen, inc.Version, promise, merged)
	if err != nil {
		return fmt.Errorf("save incident %d: %w", inc.ID, err)
	}
	return nil
}

// Threads implements api.EscalationTx.
func (t *EscalationTx) Threads(ctx context.Context, anchor string, id int64) ([]api.EscalationThread, error) {
	rows, err := t.q.Query(ctx, `
		SELECT channel_id, level, ref, opened_at, step, coalesce(top_key, '') FROM escalation_threads
		WHERE office_code = $1 AND incident_id = $2 ORDER BY opened_at, channel_id`, anchor, id)
	if err != nil {
		return nil, fmt.Errorf("load threads of incident %d: %w", id, err)
	}
	ths, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.EscalationThread, error) {
		var th api.EscalationThread
		return th, r.Scan(&th.Channel, &th.Level, &th.Ref, &th.OpenedAt, &th.Step, &th.Top)
	})
	if err != nil {
		return nil, fmt.Errorf("load threads of incident %d: %w", id, err)
	}
	return ths, nil
}

// AddThread implements api.EscalationTx.
func (t *EscalationTx) AddThread(ctx context.Context, anchor string, id int64, th api.EscalationThread) (bool, error) {
	tag, err := t.q.Exec(ctx, `
		INSERT INTO escalation_threads (office_code, incident_id, channel_id, level, ref, opened_at, step)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
		anchor, id, th.Channel, th.Level, th.Ref, th.OpenedAt, th.Step)
	if err != nil {
		return false, fmt.Errorf("add thread for incident %d: %w", id, err)
	}
	return tag.RowsAffected() == 1, nil
}

// DropThread implements api.EscalationTx.
func (t *EscalationTx) DropThread(ctx context.Context, anchor string, id int64, channel string) error {
	if _, err := t.q.Exec(ctx, `DELETE FROM escalation_threads
		WHERE office_code = $1 AND incident_id = $2 AND channel_id = $3`, anchor, id, channel); err != nil {
		return fmt.Errorf("drop thread of incident %d in %s: %w", id, channel, err)
	}
	return nil
}

// MoveThread implements api.EscalationTx. Rows change incident and, when
// the anchors differ, office: a delete and an insert keeping each row's id
// and key (on Citus a row's distribution column cannot be updated in place).
func (t *EscalationTx) MoveThread(ctx context.Context, anchor string, id int64, channel, toAnchor string, toID int64, top string) error {
	if _, err := t.q.Exec(ctx, `
		WITH moved AS (
			DELETE FROM escalation_threads WHERE office_code = $1 AND incident_id = $2 AND channel_id = $3
			RETURNING level, ref, opened_at, step)
		INSERT INTO escalation_threads (office_code, incident_id, channel_id, level, ref, opened_at, step, top_key)
		SELECT $4, $5, $3, level, ref, opened_at, step, $6 FROM moved`,
		anchor, id, channel, toAnchor, toID, top); err != nil {
		return fmt.Errorf("move thread of incident %d in %s to %d: %w", id, channel, toID, err)
	}
	if _, err := t.q.Exec(ctx, `
		WITH moved AS (
			DELETE FROM escalation_outbox WHERE office_code = $1 AND incident_id = $2 AND channel_id = $3
			RETURNING *)
		INSERT INTO escalation_outbox (office_code, id, idem_key, incident_id, channel_id, kind, parent_key, after_key,
			message, status, attempts, maybe_posted, next_attempt_at, lease_until, ts, last_error, created_at, sent_at)
		OVERRIDING SYSTEM VALUE
		SELECT $4, id, idem_key, $5, channel_id, kind, parent_key, after_key,
			message, status, attempts, maybe_posted, next_attempt_at, lease_until, ts, last_error, created_at, sent_at
		FROM moved`, anchor, id, channel, toAnchor, toID); err != nil {
		return fmt.Errorf("move messages of incident %d in %s to %d: %w", id, channel, toID, err)
	}
	return nil
}

// CoveredOffices implements api.EscalationTx.
func (t *EscalationTx) CoveredOffices(ctx context.Context, id int64, codes []string) (map[string]bool, error) {
	rows, err := t.q.Query(ctx, `
		SELECT DISTINCT o->>'code'
		FROM escalation_incidents i, jsonb_array_elements(i.offices) o
		WHERE i.ended_at IS NULL AND i.scope IN ('province', 'national')
		  AND i.incident_id <> $1 AND o->>'code' = ANY($2)`, id, codes)
	if err != nil {
		return nil, fmt.Errorf("find covering incidents: %w", err)
	}
	covered, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("find covering incidents: %w", err)
	}
	m := make(map[string]bool, len(covered))
	for _, c := range covered {
		m[c] = true
	}
	return m, nil
}

// FillOffices implements api.EscalationTx.
func (t *EscalationTx) FillOffices(ctx context.Context, offices []api.EscalationOffice) error {
	var missing []string
	for _, o := range offices {
		if o.TZ == "" || o.Name == "" {
			missing = append(missing, o.Code)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows, err := t.q.Query(ctx, `SELECT code, name, tz FROM offices WHERE code = ANY($1)`, missing)
	if err != nil {
		return fmt.Errorf("read offices: %w", err)
	}
	known := map[string][2]string{}
	var code, name, tz string
	if _, err := pgx.ForEachRow(rows, []any{&code, &name, &tz}, func() error {
		known[code] = [2]string{name, tz}
		return nil
	}); err != nil {
		return fmt.Errorf("read offices: %w", err)
	}
	for i := range offices {
		k, ok := known[offices[i].Code]
		if offices[i].Name == "" {
			offices[i].Name = offices[i].Code
			if ok {
				offices[i].Name = k[0]
			}
		}
		if offices[i].TZ == "" && ok {
			offices[i].TZ = k[1]
		}
	}
	return nil
}

// InMaintenance implements api.EscalationTx.
func (t *EscalationTx) InMaintenance(ctx context.Context, codes []string, from, to time.Time) (bool, error) {
	if len(codes) == 0 {
		return false, nil
	}
	var uncovered int
	err := t.q.QueryRow(ctx, `
		SELECT count(*) FROM offices f
		WHERE f.code = ANY($1) AND NOT EXISTS (
			SELECT 1 FROM maintenance_windows w
			WHERE (w.scope = 'national' OR w.office_code = f.code OR w.province_code = f.province_code)
			  AND w.starts_at <= $2 AND w.ends_at >= $3)`, codes, from, to).Scan(&uncovered)
	if err != nil {
		return false, fmt.Errorf("maintenance of %v: %w", codes, err)
	}
	return uncovered == 0, nil
}

// Policy implements api.EscalationTx.
func (t *EscalationTx) Policy(ctx context.Context) (api.EscalationPolicy, error) {
	return loadEscalationPolicy(ctx, t.q)
}

// Policy reads the stored escalation policy and channels.
func (e *Escalation) Policy(ctx context.Context) (api.EscalationPolicy, error) {
	return loadEscalationPolicy(ctx, e.s.pool)
}

func loadEscalationPolicy(ctx context.Context, q querier) (api.EscalationPolicy, error) {
	var p api.EscalationPolicy
	var prov, nat, rem, gather, reopen int
	if err := q.QueryRow(ctx, `
		SELECT language, province_after_working_s, national_after_s, reminder_every_s, digest_at,
		       gather_s, late_notice, maintenance_note, reopen_s
		FROM escalation_policy`).Scan(&p.Language, &prov, &nat, &rem, &p.DigestAt,
		&gather, &p.LateNotice, &p.MaintenanceNote, &reopen); err != nil {
		return api.EscalationPolicy{}, fmt.Errorf("load escalation policy: %w", err)
	}
	p.ProvinceAfter = time.Duration(prov) * time.Second
	p.NationalAfter = time.Duration(nat) * time.Second
	p.ReminderEvery = time.Duration(rem) * time.Second
	p.GatherWindow = time.Duration(gather) * time.Second
	p.ReopenWindow = time.Duration(reopen) * time.Second
	p.Channels = api.EscalationChannels{Provinces: map[string]string{}, Offices: map[string]string{}}
	rows, err := q.Query(ctx, `SELECT level, ref, channel_id FROM escalation_channels`)
	if err != nil {
		return api.EscalationPolicy{}, fmt.Errorf("load escalation channels: %w", err)
	}
	var level, ref, id string
	if _, err := pgx.ForEachRow(rows, []any{&level, &ref, &id}, func() error {
		switch level {
		case "national":
			p.Channels.National = id
		case "province":
			p.Channels.Provinces[ref] = id
		case "office":
			p.Channels.Offices[ref] = id
		}
		return nil
	}); err != nil {
		return api.EscalationPolicy{}, fmt.Errorf("load escalation channels: %w", err)
	}
	return p, nil
}

// SavePolicy replaces the stored policy and channels with p in one
// transaction (the file is the whole truth: channels it omits go). The
// caller validates p.
func (e *Escalation) SavePolicy(ctx context.Context, p api.EscalationPolicy) error {
	return pgx.BeginFunc(ctx, e.s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE escalation_policy SET language = $1, province_after_working_s = $2,
			       national_after_s = $3, reminder_every_s = $4, digest_at = $5, gather_s = $6,
			       late_notice = $7, maintenance_note = $8, reopen_s = $9, updated_at = now()`,
			p.Language, int(p.ProvinceAfter/time.Second), int(p.NationalAfter/time.Second),
			int(p.ReminderEvery/time.Second), p.DigestAt, int(p.GatherWindow/time.Second),
			p.LateNotice, p.MaintenanceNote, int(p.ReopenWindow/time.Second)); err != nil {
			return fmt.Errorf("save escalation policy: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM escalation_channels`); err != nil {
			return fmt.Errorf("clear escalation channels: %w", err)
		}
		levels, refs, ids := []string{}, []string{}, []string{}
		add := func(level, ref, id string) {
			levels, refs, ids = append(levels, level), append(refs, ref), append(ids, id)
		}
		if p.Channels.National != "" {
			add("national", "", p.Channels.National)
		}
		for ref, id := range p.Channels.Provinces {
			add("province", ref, id)
		}
		for ref, id := range p.Channels.Offices {
			add("office", ref, id)
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO escalation_channels (level, ref, channel_id)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, levels, refs, ids); err != nil {
			return fmt.Errorf("save escalation channels: %w", err)
		}
		return nil
	})
}

// OpenIncidentIDs lists the incidents escalation still follows (not ended),
// oldest first.
func (e *Escalation) OpenIncidentIDs(ctx context.Context) ([]int64, error) {
	rows, err := e.s.pool.Query(ctx, `SELECT incident_id FROM escalation_incidents WHERE ended_at IS NULL ORDER BY started_at`)
	if err != nil {
		return nil, fmt.Errorf("list open incidents: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("list open incidents: %w", err)
	}
	return ids, nil
}

// Province returns a province's name and zone; not-found when unknown.
func (e *Escalation) Province(ctx context.Context, code string) (name, tz string, err error) {
	err = e.s.pool.QueryRow(ctx, `SELECT name, tz FROM provinces WHERE code = $1`, code).Scan(&name, &tz)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", api.Errorf(api.ENotFound, "province %s not found", code)
	}
	if err != nil {
		return "", "", fmt.Errorf("read province %s: %w", code, err)
	}
	return name, tz, nil
}

// DigestIncidents returns the incidents of province open at now or ended
// after since, not retracted, oldest first.
func (e *Escalation) DigestIncidents(ctx context.Context, province string, since, now time.Time) ([]api.EscalationIncident, error) {
	rows, err := e.s.pool.Query(ctx, `SELECT `+escIncidentColumns+` FROM escalation_incidents
		WHERE (ended_at IS NULL OR ended_at > $1) AND started_at <= $2 AND NOT retracted
		  AND offices @> jsonb_build_array(jsonb_build_object('province_code', $3::text))
		ORDER BY started_at`, since, now, province)
	if err != nil {
		return nil, fmt.Errorf("digest of %s: %w", province, err)
	}
	incs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.EscalationIncident, error) { return scanEscIncident(r) })
	if err != nil {
		return nil, fmt.Errorf("digest of %s: %w", province, err)
	}
	return incs, nil
}

// Acknowledgement returns who acknowledged incident id; not-found when
// escalation has never seen it.
func (e *Escalation) Acknowledgement(ctx context.Context, id int64) (api.Acknowledgement, error) {
	var a api.Acknowledgement
	err := e.s.pool.QueryRow(ctx, `SELECT acked_by, acked_name, acked_at FROM escalation_incidents WHERE incident_id = $1`,
		id).Scan(&a.By, &a.Name, &a.At)
	if errors.Is(err, pgx.ErrNoRows) {
		return a, api.Errorf(api.ENotFound, "incident %d not found", id)
	}
	if err != nil {
		return a, fmt.Errorf("read acknowledgement of incident %d: %w", id, err)
	}
	return a, nil
}

// Acknowledgements returns, in one query, who acknowledged each of ids that
// has been acknowledged, for tables of incidents.
func (e *Escalation) Acknowledgements(ctx context.Context, ids []int64) (map[int64]api.Acknowledgement, error) {
	out := map[int64]api.Acknowledgement{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := e.s.pool.Query(ctx, `SELECT incident_id, acked_by, acked_name, acked_at FROM escalation_incidents
		WHERE incident_id = ANY($1) AND acked_at IS NOT NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("read acknowledgements: %w", err)
	}
	var (
		id int64
		a  api.Acknowledgement
		at time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &a.By, &a.Name, &at}, func() error {
		acked := at // each row its own time: the scan target is reused
		a.At = &acked
		out[id] = a
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read acknowledgements: %w", err)
	}
	return out, nil
}

// EscalationTxOf gives escalation's view of a transaction the caller runs
// (tests, and callers that must share one transaction with escalation).
func EscalationTxOf(tx pgx.Tx) *EscalationTx { return &EscalationTx{q: tx} }

// Pgx is the underlying transaction, for tests that look inside it.
func (t *EscalationTx) Pgx() pgx.Tx { return t.q }
