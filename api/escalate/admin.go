package escalate

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// OutboxMessage is one outbox row as the admin page shows it.
type OutboxMessage struct {
	OfficeCode string    `json:"office_code"`
	ID         int64     `json:"id"`
	Key        string    `json:"idem_key"`
	IncidentID *int64    `json:"incident_id,omitempty"`
	Channel    string    `json:"channel_id"`
	Kind       string    `json:"kind"`
	Status     string    `json:"status"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error"`
	TS         *string   `json:"ts,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// GivenUp lists the newest messages that gave up, at most limit.
func GivenUp(ctx context.Context, db DB, limit int) ([]OutboxMessage, error) {
	rows, err := db.Query(ctx, `
		SELECT office_code, id, idem_key, incident_id, channel_id, kind, status, attempts, last_error, ts, created_at
		FROM escalation_outbox WHERE status = 'given_up' ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list given-up messages: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxMessage, error) {
		var m OutboxMessage
		return m, r.Scan(&m.OfficeCode, &m.ID, &m.Key, &m.IncidentID, &m.Channel, &m.Kind, &m.Status,
			&m.Attempts, &m.LastError, &m.TS, &m.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("list given-up messages: %w", err)
	}
	return msgs, nil
}

// Requeue puts a given-up message back in line with fresh attempts (the
// admin page's "retry" button). maybe_posted is kept: if an earlier try may
// have reached Slack, the sender still looks before posting.
func Requeue(ctx context.Context, db DB, officeCode string, id int64, now time.Time) error {
	tag, err := db.Exec(ctx, `
		UPDATE escalation_outbox SET status = 'pending', attempts = 0, next_attempt_at = $3
		WHERE office_code = $1 AND id = $2 AND status = 'given_up'`, officeCode, id, now)
	if err != nil {
		return fmt.Errorf("requeue message %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return api.Errorf(api.ENotFound, "given-up message %s/%d not found", officeCode, id)
	}
	return nil
}

// OutboxCounts returns the number of outbox rows per status.
func OutboxCounts(ctx context.Context, db DB) (map[string]int, error) {
	rows, err := db.Query(ctx, `SELECT status, count(*) FROM escalation_outbox
		WHERE status IN ('pending', 'sending', 'given_up') GROUP BY status`)
	if err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	counts := map[string]int{"pending": 0, "sending": 0, "given_up": 0}
	var status string
	var n int
	if _, err := pgx.ForEachRow(rows, []any{&status, &n}, func() error { counts[status] = n; return nil }); err != nil {
		return nil, fmt.Errorf("count outbox: %w", err)
	}
	return counts, nil
}

// PruneOutbox deletes rows that are done (sent or cancelled) and older than
// before, keeping every row of an incident still open or ended after before:
// its replies still need the top message's ts, and its keys must stay
// unique. It returns how many rows went.
func PruneOutbox(ctx context.Context, db DB, before time.Time) (int64, error) {
	tag, err := db.Exec(ctx, `
		DELETE FROM escalation_outbox o
		WHERE o.status IN ('sent', 'cancelled') AND o.created_at < $1
		  AND (o.incident_id IS NULL OR EXISTS (
		        SELECT 1 FROM escalation_incidents i
		        WHERE i.office_code = o.office_code AND i.incident_id = o.incident_id AND i.ended_at < $1))`, before)
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return tag.RowsAffected(), nil
}
