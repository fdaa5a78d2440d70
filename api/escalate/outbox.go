package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// outboxRow is one message to send.
type outboxRow struct {
	Office     string // anchor office, or province code for a digest
	Key        string // idempotency key
	IncidentID *int64
	Channel    string
	Kind       string // open, reminder, ack, recovered, update, digest
	Parent     string // key of the top message a reply threads under or an update rewrites
	Msg        message
	At         time.Time
}

func incidentKey(id int64, channel, kind string) string {
	return fmt.Sprintf("incident:%d:%s:%s", id, channel, kind)
}

// enqueue writes row unless a row with its key exists; it reports whether
// it wrote. Being idempotent by key is what lets Observe and Tick be
// repeated freely.
func enqueue(ctx context.Context, q DB, row outboxRow) (bool, error) {
	msg, err := json.Marshal(row.Msg)
	if err != nil {
		return false, fmt.Errorf("encode message %s: %w", row.Key, err)
	}
	var parent *string
	if row.Parent != "" {
		parent = &row.Parent
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO escalation_outbox (office_code, idem_key, incident_id, channel_id, kind,
			parent_key, message, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (office_code, idem_key) DO NOTHING`,
		row.Office, row.Key, row.IncidentID, row.Channel, row.Kind, parent, msg, row.At)
	if err != nil {
		return false, fmt.Errorf("enqueue %s: %w", row.Key, err)
	}
	return tag.RowsAffected() == 1, nil
}

// enqueueUpdate queues a chat.update of a thread's top message and cancels
// older updates of it not yet sent: only the newest content matters.
func enqueueUpdate(ctx context.Context, q DB, inc incident, th thread, msg message, at time.Time) error {
	parent := incidentKey(inc.ID, th.Channel, "open")
	key := fmt.Sprintf("%s:update:v%d", incidentKey(inc.ID, th.Channel, "top"), inc.Version)
	if _, err := q.Exec(ctx, `
		UPDATE escalation_outbox SET status = 'cancelled'
		WHERE office_code = $1 AND parent_key = $2 AND kind = 'update' AND status = 'pending'`,
		inc.Anchor, parent); err != nil {
		return fmt.Errorf("cancel stale updates: %w", err)
	}
	id := inc.ID
	_, err := enqueue(ctx, q, outboxRow{Office: inc.Anchor, Key: key, IncidentID: &id,
		Channel: th.Channel, Kind: "update", Parent: parent, Msg: msg, At: at})
	return err
}

// cancelReminders drops the incident's reminders not yet sent (after an
// acknowledgement or recovery they would only be noise).
func cancelReminders(ctx context.Context, q DB, inc incident) error {
	if _, err := q.Exec(ctx, `
		UPDATE escalation_outbox SET status = 'cancelled'
		WHERE office_code = $1 AND incident_id = $2 AND kind = 'reminder' AND status = 'pending'`,
		inc.Anchor, inc.ID); err != nil {
		return fmt.Errorf("cancel reminders of incident %d: %w", inc.ID, err)
	}
	return nil
}
