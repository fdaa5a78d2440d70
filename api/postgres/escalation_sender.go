package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// outboxDue is the condition of a row the sender may take at the time in
// parameter p: due and pending, or claimed by a sender whose lease ran out.
func outboxDue(p string) string {
	return `o.status IN ('pending', 'sending')
	AND ((o.status = 'pending' AND o.next_attempt_at <= ` + p + `) OR (o.status = 'sending' AND o.lease_until <= ` + p + `))`
}

// DueChannels lists the channels with a row due at now.
func (e *Escalation) DueChannels(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := e.s.pool.Query(ctx, `SELECT DISTINCT o.channel_id FROM escalation_outbox o
		WHERE `+outboxDue("$1")+` ORDER BY 1`, now)
	if err != nil {
		return nil, fmt.Errorf("due channels: %w", err)
	}
	chans, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("due channels: %w", err)
	}
	return chans, nil
}

// ClaimNext claims the channel's oldest row that is due and not waiting for
// its thread's top message or for the row it must follow. The channel's
// pace row is locked for the claim, so replicas take turns on a channel and
// the pace holds across them; a workspace pause of the row's method
// families (chat, and conversations when it must look before posting)
// holds it back. Replies whose top message was given up or withdrawn are
// marked so on the way (given_up or cancelled) and never sent.
func (e *Escalation) ClaimNext(ctx context.Context, channel string, now time.Time, o api.OutboxClaimOptions) (api.OutboxClaimResult, error) {
	var c api.OutboxClaimResult
	err := pgx.BeginFunc(ctx, e.s.pool, func(tx pgx.Tx) error {
		c = api.OutboxClaimResult{}
		if _, err := tx.Exec(ctx, `INSERT INTO escalation_channel_pace (channel_id, next_at)
			VALUES ($1, 'epoch') ON CONFLICT DO NOTHING`, channel); err != nil {
			return fmt.Errorf("pace of %s: %w", channel, err)
		}
		var next time.Time
		err := tx.QueryRow(ctx, `SELECT next_at FROM escalation_channel_pace WHERE channel_id = $1
			FOR UPDATE SKIP LOCKED`, channel).Scan(&next)
		if err == pgx.ErrNoRows {
			c.Wait = o.Pace // another replica is claiming for this channel right now
			return nil
		}
		if err != nil {
			return fmt.Errorf("pace of %s: %w", channel, err)
		}
		if next.After(now) {
			c.Wait = next.Sub(now)
			return nil
		}
		rows, err := tx.Query(ctx, `
			SELECT o.office_code, o.id, o.idem_key, o.kind, o.message, o.maybe_posted, o.created_at, o.attempts,
			       o.parent_key IS NOT NULL, coalesce(p.status, ''), coalesce(p.ts, ''),
			       o.after_key IS NOT NULL AND coalesce(a.status, '') IN ('pending', 'sending'),
			       i.incident_id IS NOT NULL AND NOT i.retracted AND (i.ended_at IS NULL OR i.ended_at > $2::timestamptz - $3::interval)
			FROM escalation_outbox o
			LEFT JOIN escalation_outbox p ON p.office_code = o.office_code AND p.idem_key = o.parent_key
			LEFT JOIN escalation_outbox a ON a.office_code = o.office_code AND a.idem_key = o.after_key
			LEFT JOIN escalation_incidents i ON i.office_code = o.office_code AND i.incident_id = o.incident_id
			WHERE o.channel_id = $1 AND `+outboxDue("$2")+`
			ORDER BY o.id LIMIT 50
			FOR UPDATE OF o SKIP LOCKED`, channel, now, o.Keep)
		if err != nil {
			return fmt.Errorf("scan outbox of %s: %w", channel, err)
		}
		type orphan struct {
			office, status string
			id             int64
		}
		var orphans []orphan
		for rows.Next() {
			var r api.OutboxClaim
			var hasParent, afterWaits bool
			var parentStatus string
			if err := rows.Scan(&r.Office, &r.ID, &r.Key, &r.Kind, &r.Message, &r.MaybePosted, &r.CreatedAt,
				&r.Attempts, &hasParent, &parentStatus, &r.ParentTS, &afterWaits, &r.Keep); err != nil {
				rows.Close()
				return fmt.Errorf("scan outbox row: %w", err)
			}
			r.Channel = channel
			switch {
			case hasParent && (parentStatus == "given_up" || parentStatus == "cancelled" || parentStatus == ""):
				status := "given_up"
				if parentStatus == "cancelled" {
					status = "cancelled"
				}
				orphans = append(orphans, orphan{r.Office, status, r.ID})
				continue
			case hasParent && parentStatus != "sent", afterWaits:
				continue // waits for its top message or the row it follows
			}
			if !c.OK {
				c.Row, c.OK = r, true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan outbox of %s: %w", channel, err)
		}
		for _, or := range orphans {
			if _, err := tx.Exec(ctx, `UPDATE escalation_outbox SET status = $3, lease_until = NULL,
				last_error = 'its thread''s top message was never posted' WHERE office_code = $1 AND id = $2`,
				or.office, or.id, or.status); err != nil {
				return fmt.Errorf("mark orphan %d: %w", or.id, err)
			}
		}
		if !c.OK {
			return nil
		}
		families := []string{"chat"}
		if c.Row.MaybePosted && c.Row.Kind != "update" {
			families = append(families, "conversations")
		}
		var until *time.Time
		if err := tx.QueryRow(ctx, `SELECT max(until) FROM slack_pauses WHERE family = ANY($1) AND until > $2`,
			families, now).Scan(&until); err != nil {
			return fmt.Errorf("slack pauses: %w", err)
		}
		if until != nil {
			c = api.OutboxClaimResult{Wait: until.Sub(now)}
			return nil
		}
		// maybe_posted goes up before Slack is called: if we die during the
		// call, whoever retries knows to look first.
		if _, err := tx.Exec(ctx, `UPDATE escalation_outbox SET status = 'sending', lease_until = $3,
			maybe_posted = maybe_posted OR kind <> 'update' WHERE office_code = $1 AND id = $2`,
			c.Row.Office, c.Row.ID, now.Add(o.Lease)); err != nil {
			return fmt.Errorf("claim %s: %w", c.Row.Key, err)
		}
		if _, err := tx.Exec(ctx, `UPDATE escalation_channel_pace SET next_at = $2 WHERE channel_id = $1`,
			channel, now.Add(o.Pace)); err != nil {
			return fmt.Errorf("pace of %s: %w", channel, err)
		}
		return nil
	})
	if err != nil {
		return api.OutboxClaimResult{}, err
	}
	return c, nil
}

// MarkSent records a delivered row and its Slack ts. Rows are found by id
// and key, not office: a merge may have handed the row to another
// incident's anchor while Slack was being called.
func (e *Escalation) MarkSent(ctx context.Context, r api.OutboxClaim, ts string, now time.Time) error {
	if _, err := e.s.pool.Exec(ctx, `UPDATE escalation_outbox
		SET status = 'sent', ts = $3, sent_at = $4, lease_until = NULL, last_error = ''
		WHERE id = $1 AND idem_key = $2`, r.ID, r.Key, ts, now); err != nil {
		return fmt.Errorf("mark %s sent: %w", r.Key, err)
	}
	return nil
}

// Reschedule records a failed try: status pending (or given_up), the
// attempts spent, when to try next, whether an earlier try may have reached
// Slack, and the error.
func (e *Escalation) Reschedule(ctx context.Context, r api.OutboxClaim, status string, attempts int, next time.Time,
	maybePosted bool, lastErr string) error {
	if _, err := e.s.pool.Exec(ctx, `UPDATE escalation_outbox SET status = $3, attempts = $4, next_attempt_at = $5,
		lease_until = NULL, maybe_posted = $6, last_error = $7 WHERE id = $1 AND idem_key = $2`,
		r.ID, r.Key, status, attempts, next, maybePosted, lastErr); err != nil {
		return fmt.Errorf("reschedule %s: %w", r.Key, err)
	}
	return nil
}

// PauseFamily holds back every call of a Slack method family (chat,
// conversations, users) until until, for every replica.
func (e *Escalation) PauseFamily(ctx context.Context, family string, until time.Time) error {
	if _, err := e.s.pool.Exec(ctx, `INSERT INTO slack_pauses (family, until) VALUES ($1, $2)
		ON CONFLICT (family) DO UPDATE SET until = greatest(slack_pauses.until, excluded.until)`, family, until); err != nil {
		return fmt.Errorf("pause slack %s: %w", family, err)
	}
	return nil
}

// FamilyPausedUntil returns when a pause of family ends, or the zero time
// when it is not paused at now.
func (e *Escalation) FamilyPausedUntil(ctx context.Context, family string, now time.Time) (time.Time, error) {
	var until *time.Time
	if err := e.s.pool.QueryRow(ctx, `SELECT max(until) FROM slack_pauses WHERE family = $1 AND until > $2`,
		family, now).Scan(&until); err != nil {
		return time.Time{}, fmt.Errorf("slack pause of %s: %w", family, err)
	}
	if until == nil {
		return time.Time{}, nil
	}
	return *until, nil
}
