package escalate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// Acknowledge records that user (a Slack user ID) has taken incident id in
// hand from channel: it stops the reminders, says so in that channel's
// thread and rewrites every top message to show who and when. A second
// acknowledgement, or one after recovery, changes nothing.
func (e *Escalator) Acknowledge(ctx context.Context, id int64, channel, user string) error {
	if user == "" {
		return api.FieldErrorf("user", "is required")
	}
	now := e.clock.Now()
	return withTx(ctx, e.pool, func(tx pgx.Tx) error {
		inc, found, err := lockIncident(ctx, tx, id)
		if err != nil {
			return err
		}
		if !found {
			return api.Errorf(api.ENotFound, "incident %d not found", id)
		}
		if inc.AckedAt != nil || inc.EndedAt != nil {
			return nil
		}
		pol, err := LoadPolicy(ctx, tx)
		if err != nil {
			return err
		}
		inc.AckedAt, inc.AckedBy = &now, user
		inc.Version++
		if err := saveIncident(ctx, tx, inc); err != nil {
			return err
		}
		if err := cancelReminders(ctx, tx, inc); err != nil {
			return err
		}
		ths, err := loadThreads(ctx, tx, inc)
		if err != nil {
			return err
		}
		noteIn := ""
		for _, th := range ths {
			if th.Channel == channel || noteIn == "" {
				noteIn = th.Channel
			}
			if err := enqueueUpdate(ctx, tx, inc, th, topMessage(pol.Language, inc, officesFor(inc, th)), now); err != nil {
				return err
			}
		}
		if noteIn == "" {
			return nil
		}
		_, err = enqueue(ctx, tx, outboxRow{Office: inc.Anchor, Key: incidentKey(inc.ID, noteIn, "ack"),
			IncidentID: &id, Channel: noteIn, Kind: "ack", Parent: incidentKey(inc.ID, noteIn, "open"),
			Msg: ackMessage(pol.Language, user), At: now})
		return err
	})
}

// Acknowledgement is who acknowledged an incident and when, for the
// incident page.
type Acknowledgement struct {
	By string     // Slack user ID; empty while unacknowledged
	At *time.Time // nil while unacknowledged
}

// AcknowledgementOf returns who acknowledged incident id, for the incident
// page; not-found when escalation has never seen it.
func AcknowledgementOf(ctx context.Context, db DB, id int64) (Acknowledgement, error) {
	var a Acknowledgement
	err := db.QueryRow(ctx, `SELECT acked_by, acked_at FROM escalation_incidents WHERE incident_id = $1`,
		id).Scan(&a.By, &a.At)
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
func Acknowledgements(ctx context.Context, db DB, ids []int64) (map[int64]Acknowledgement, error) {
	out := map[int64]Acknowledgement{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.Query(ctx, `SELECT incident_id, acked_by, acked_at FROM escalation_incidents
		WHERE incident_id = ANY($1) AND acked_at IS NOT NULL`, ids)
	if err != nil {
		return nil, fmt.Errorf("read acknowledgements: %w", err)
	}
	var (
		id int64
		a  Acknowledgement
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &a.By, &a.At}, func() error {
		out[id] = Acknowledgement{By: a.By, At: a.At}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read acknowledgements: %w", err)
	}
	return out, nil
}
