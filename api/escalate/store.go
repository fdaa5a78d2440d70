package escalate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// thread is one channel's top message for an incident.
type thread struct {
	Channel  string
	Level    string
	Ref      string
	OpenedAt time.Time
}

const incidentColumns = `office_code, incident_id, scope, cause, offices, started_at, ended_at,
	estimate, acked_at, acked_by, retracted, maintenance, version`

func scanIncident(row pgx.Row) (incident, error) {
	var inc incident
	var offices, estimate []byte
	if err := row.Scan(&inc.Anchor, &inc.ID, &inc.Scope, &inc.Cause, &offices, &inc.StartedAt,
		&inc.EndedAt, &estimate, &inc.AckedAt, &inc.AckedBy, &inc.Retracted, &inc.Maintenance, &inc.Version); err != nil {
		return incident{}, err
	}
	if err := json.Unmarshal(offices, &inc.Offices); err != nil {
		return incident{}, fmt.Errorf("decode incident offices: %w", err)
	}
	if estimate != nil {
		inc.Estimate = new(Estimate)
		if err := json.Unmarshal(estimate, inc.Estimate); err != nil {
			return incident{}, fmt.Errorf("decode incident estimate: %w", err)
		}
	}
	return inc, nil
}

// lockIncident reads an incident by ID and locks its row for the rest of
// the transaction, so concurrent events, ticks and acks apply one at a time.
// found is false when escalation has never seen it.
func lockIncident(ctx context.Context, q DB, id int64) (inc incident, found bool, err error) {
	inc, err = scanIncident(q.QueryRow(ctx, `SELECT `+incidentColumns+`
		FROM escalation_incidents WHERE incident_id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return incident{}, false, nil
	}
	if err != nil {
		return incident{}, false, fmt.Errorf("load incident %d: %w", id, err)
	}
	return inc, true, nil
}

// saveIncident inserts or overwrites escalation's copy of inc.
func saveIncident(ctx context.Context, q DB, inc incident) error {
	offices, err := json.Marshal(inc.Offices)
	if err != nil {
		return fmt.Errorf("encode offices: %w", err)
	}
	var estimate []byte
	if inc.Estimate != nil {
		if estimate, err = json.Marshal(inc.Estimate); err != nil {
			return fmt.Errorf("encode estimate: %w", err)
		}
	}
	_, err = q.Exec(ctx, `
		INSERT INTO escalation_incidents (`+incidentColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (office_code, incident_id) DO UPDATE SET
			scope = excluded.scope, cause = excluded.cause, offices = excluded.offices,
			started_at = excluded.started_at, ended_at = excluded.ended_at,
			estimate = excluded.estimate, acked_at = excluded.acked_at,
			acked_by = excluded.acked_by, retracted = excluded.retracted,
			maintenance = excluded.maintenance, version = excluded.version`,
		inc.Anchor, inc.ID, inc.Scope, inc.Cause, offices, inc.StartedAt, inc.EndedAt,
		estimate, inc.AckedAt, inc.AckedBy, inc.Retracted, inc.Maintenance, inc.Version)
	if err != nil {
		return fmt.Errorf("save incident %d: %w", inc.ID, err)
	}
	return nil
}

func loadThreads(ctx context.Context, q DB, inc incident) ([]thread, error) {
	rows, err := q.Query(ctx, `
		SELECT channel_id, level, ref, opened_at FROM escalation_threads
		WHERE office_code = $1 AND incident_id = $2 ORDER BY opened_at, channel_id`, inc.Anchor, inc.ID)
	if err != nil {
		return nil, fmt.Errorf("load threads of incident %d: %w", inc.ID, err)
	}
	ths, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (thread, error) {
		var t thread
		return t, r.Scan(&t.Channel, &t.Level, &t.Ref, &t.OpenedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("load threads of incident %d: %w", inc.ID, err)
	}
	return ths, nil
}

// addThread records a channel's thread; false when it existed already.
func addThread(ctx context.Context, q DB, inc incident, th thread) (bool, error) {
	tag, err := q.Exec(ctx, `
		INSERT INTO escalation_threads (office_code, incident_id, channel_id, level, ref, opened_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
		inc.Anchor, inc.ID, th.Channel, th.Level, th.Ref, th.OpenedAt)
	if err != nil {
		return false, fmt.Errorf("add thread for incident %d: %w", inc.ID, err)
	}
	return tag.RowsAffected() == 1, nil
}

// coveredOffices returns which of codes are covered by another open
// incident of province or national scope: their own alerts fold into it.
func coveredOffices(ctx context.Context, q DB, inc incident, codes []string) (map[string]bool, error) {
	rows, err := q.Query(ctx, `
		SELECT DISTINCT o->>'code'
		FROM escalation_incidents i, jsonb_array_elements(i.offices) o
		WHERE i.ended_at IS NULL AND i.scope IN ('province', 'national')
		  AND i.incident_id <> $1 AND o->>'code' = ANY($2)`, inc.ID, codes)
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

// fillOffices sets Name and TZ from the offices table where the event left
// them empty.
func fillOffices(ctx context.Context, q DB, offices []OfficeRef) error {
	var missing []string
	for _, o := range offices {
		if o.TZ == "" || o.Name == "" {
			missing = append(missing, o.Code)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	rows, err := q.Query(ctx, `SELECT code, name, tz FROM offices WHERE code = ANY($1)`, missing)
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
