package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// The Slack outbox (migrations 00004 and 00013): rows written in the
// transaction that decides them, delivered by the sender.

func enqueueOutbox(ctx context.Context, q querier, e api.OutboxEntry) (bool, error) {
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	due := e.Due
	if due.IsZero() || due.Before(e.At) {
		due = e.At
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO escalation_outbox (office_code, idem_key, incident_id, channel_id, kind,
			parent_key, after_key, message, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (office_code, idem_key) DO NOTHING`,
		e.Office, e.Key, e.IncidentID, e.Channel, e.Kind, null(e.Parent), null(e.After), e.Message, due, e.At)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", e.Key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Enqueue implements api.EscalationTx.
func (t *EscalationTx) Enqueue(ctx context.Context, e api.OutboxEntry) (bool, error) {
	return enqueueOutbox(ctx, t.q, e)
}

// Enqueue writes e on its own (a digest) unless its key exists.
func (e *Escalation) Enqueue(ctx context.Context, entry api.OutboxEntry) (bool, error) {
	return enqueueOutbox(ctx, e.s.pool, entry)
}

// OutboxKeyExists reports whether a row with key exists.
func (e *Escalation) OutboxKeyExists(ctx context.Context, office, key string) (bool, error) {
	var done bool
	if err := e.s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM escalation_outbox
		WHERE office_code = $1 AND idem_key = $2)`, office, key).Scan(&done); err != nil {
		return false, fmt.Errorf("look up %s: %w", key, err)
	}
	return done, nil
}

// CancelPending implements api.EscalationTx. A row already handed to Slack
// (sending) is left to finish.
func (t *EscalationTx) CancelPending(ctx context.Context, anchor string, id int64, channel string, kinds ...string) error {
	if kinds == nil {
		kinds = []string{} // every kind: a nil slice would be NULL, whose cardinality is NULL, matching nothing
	}
	if _, err := t.q.Exec(ctx, `
		UPDATE escalation_outbox SET status = 'cancelled', lease_until = NULL
		WHERE office_code = $1 AND incident_id = $2 AND ($3 = '' OR channel_id = $3)
		  AND (cardinality($4::text[]) = 0 OR kind = ANY($4)) AND status = 'pending'`,
		anchor, id, channel, kinds); err != nil {
		return fmt.Errorf("cancel %v of incident %d: %w", kinds, id, err)
	}
	return nil
}

// CancelUpdates implements api.EscalationTx.
func (t *EscalationTx) CancelUpdates(ctx context.Context, anchor, parent string) error {
	if _, err := t.q.Exec(ctx, `
		UPDATE escalation_outbox SET status = 'cancelled'
		WHERE office_code = $1 AND parent_key = $2 AND kind = 'update' AND status = 'pending'`,
		anchor, parent); err != nil {
		return fmt.Errorf("cancel stale updates of %s: %w", parent, err)
	}
	return nil
}

// OutboxRow implements api.EscalationTx.
func (t *EscalationTx) OutboxRow(ctx context.Context, anchor, key string) (string, bool, bool, error) {
	var status string
	var maybe bool
	err := t.q.QueryRow(ctx, `SELECT status, maybe_posted FROM escalation_outbox
		WHERE office_code = $1 AND idem_key = $2`, anchor, key).Scan(&status, &maybe)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, false, nil
	}
	if err != nil {
		return "", false, false, fmt.Errorf("read outbox row %s: %w", key, err)
	}
	return status, maybe, true, nil
}

// RewritePending implements api.EscalationTx. The sender claims rows with
// FOR UPDATE, so a rewrite either lands before the claim reads the message
// or finds the row no longer pending.
func (t *EscalationTx) RewritePending(ctx context.Context, anchor, key string, msg []byte) (bool, error) {
	tag, err := t.q.Exec(ctx, `UPDATE escalation_outbox SET message = $3
		WHERE office_code = $1 AND idem_key = $2 AND status = 'pending' AND NOT maybe_posted`, anchor, key, msg)
	if err != nil {
		return false, fmt.Errorf("rewrite %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// Release implements api.EscalationTx.
func (t *EscalationTx) Release(ctx context.Context, anchor, key string, msg []byte, due time.Time) (bool, error) {
	tag, err := t.q.Exec(ctx, `UPDATE escalation_outbox SET message = $3, next_attempt_at = LEAST(next_attempt_at, $4)
		WHERE office_code = $1 AND idem_key = $2 AND status = 'pending' AND NOT maybe_posted`, anchor, key, msg, due)
	if err != nil {
		return false, fmt.Errorf("release %s: %w", key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// TopContent implements api.EscalationTx.
func (t *EscalationTx) TopContent(ctx context.Context, anchor, parent string) ([]byte, error) {
	var msg []byte
	err := t.q.QueryRow(ctx, `SELECT message FROM escalation_outbox
		WHERE office_code = $1 AND ((idem_key = $2) OR (parent_key = $2 AND kind = 'update'))
		  AND status <> 'cancelled'
		ORDER BY (kind = 'update') DESC, id DESC LIMIT 1`, anchor, parent).Scan(&msg)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("top message %s: %w", parent, err)
	}
	return msg, nil
}

// LastUpdateSent implements api.EscalationTx.
func (t *EscalationTx) LastUpdateSent(ctx context.Context, anchor, parent string) (time.Time, error) {
	var at *time.Time
	if err := t.q.QueryRow(ctx, `SELECT max(sent_at) FROM escalation_outbox
		WHERE office_code = $1 AND parent_key = $2 AND kind = 'update' AND status = 'sent'`,
		anchor, parent).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("last update of %s: %w", parent, err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}

// GivenUp lists the newest messages that gave up, at most limit.
func (e *Escalation) GivenUp(ctx context.Context, limit int) ([]api.OutboxMessage, error) {
	rows, err := e.s.pool.Query(ctx, `
		SELECT office_code, id, idem_key, incident_id, channel_id, kind, status, attempts, last_error, ts, created_at
		FROM escalation_outbox WHERE status = 'given_up' ORDER BY created_at DESC, id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list given-up messages: %w", err)
	}
	msgs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.OutboxMessage, error) {
		var m api.OutboxMessage
		return m, r.Scan(&m.OfficeCode, &m.ID, &m.Key, &m.IncidentID, &m.Channel, &m.Kind, &m.Status,
			&m.Attempts, &m.LastError, &m.TS, &m.CreatedAt)
	})
	if err != nil {
		return nil, fmt.Errorf("list given-up messages: %w", err)
	}
	return msgs, nil
}

// Requeue puts given-up messages back in line with fresh attempts: the one
// named by office and id, or every one when id is 0. maybe_posted is kept:
// if an earlier try may have reached Slack, the sender still looks first.
// It returns how many went back; not-found when a named one is not given up.
func (e *Escalation) Requeue(ctx context.Context, office string, id int64, now time.Time) (int64, error) {
	tag, err := e.s.pool.Exec(ctx, `
		UPDATE escalation_outbox SET status = 'pending', attempts = 0, next_attempt_at = $3, last_error = ''
		WHERE status = 'given_up' AND ($2 = 0 OR (office_code = $1 AND id = $2))`, office, id, now)
	if err != nil {
		return 0, fmt.Errorf("requeue given-up messages: %w", err)
	}
	if id != 0 && tag.RowsAffected() == 0 {
		return 0, api.Errorf(api.ENotFound, "given-up message %s/%d not found", office, id)
	}
	return tag.RowsAffected(), nil
}

// OutboxCounts returns the number of outbox rows per status still to do or
// given up.
func (e *Escalation) OutboxCounts(ctx context.Context) (map[string]int, error) {
	rows, err := e.s.pool.Query(ctx, `SELECT status, count(*) FROM escalation_outbox
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
func (e *Escalation) PruneOutbox(ctx context.Context, before time.Time) (int64, error) {
	tag, err := e.s.pool.Exec(ctx, `
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

// RememberSignature records an accepted Slack request signature; false when
// it was seen before (a replay). Signatures seen before pruneBefore can no
// longer verify and are deleted on the way.
func (e *Escalation) RememberSignature(ctx context.Context, sig string, now, pruneBefore time.Time) (bool, error) {
	if _, err := e.s.pool.Exec(ctx, `DELETE FROM slack_seen_signatures WHERE seen_at < $1`, pruneBefore); err != nil {
		return false, fmt.Errorf("prune slack signatures: %w", err)
	}
	tag, err := e.s.pool.Exec(ctx, `INSERT INTO slack_seen_signatures (signature, seen_at) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, sig, now)
	if err != nil {
		return false, fmt.Errorf("remember slack signature: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// UserName returns the cached Slack display name of user fetched after
// since; found is false when there is none that fresh.
func (e *Escalation) UserName(ctx context.Context, user string, since time.Time) (string, bool, error) {
	var name string
	err := e.s.pool.QueryRow(ctx, `SELECT name FROM slack_user_names WHERE user_id = $1 AND fetched_at >= $2`,
		user, since).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read slack name of %s: %w", user, err)
	}
	return name, true, nil
}

// SaveUserName caches user's Slack display name.
func (e *Escalation) SaveUserName(ctx context.Context, user, name string, now time.Time) error {
	if _, err := e.s.pool.Exec(ctx, `INSERT INTO slack_user_names (user_id, name, fetched_at) VALUES ($1, $2, $3)
		ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, fetched_at = excluded.fetched_at`,
		user, name, now); err != nil {
		return fmt.Errorf("save slack name of %s: %w", user, err)
	}
	return nil
}
