package escalate

import (
	"context"

	"github.com/pantau-id/pantau/api"
)

// Acknowledge records that user (a Slack user ID, name its display name
// when known) has taken incident id in hand from channel: it stops the
// reminders, says so in that channel's thread and rewrites the top message
// in every channel the incident reached to show who and when. changed is
// false when it changed nothing: a second acknowledgement, or one after
// recovery. An incident escalation never saw is not-found.
func (e *Escalator) Acknowledge(ctx context.Context, id int64, channel, user, name string) (changed bool, err error) {
	if user == "" {
		return false, api.FieldErrorf("user", "is required")
	}
	now := e.clock.Now()
	err = e.store.InTx(ctx, func(tx api.EscalationTx) error {
		changed = false
		inc, found, err := tx.LockIncident(ctx, id)
		if err != nil {
			return err
		}
		// A button on a merged incident's message acts on the incident it
		// was merged into (a chain of merges is short).
		for hops := 0; found && inc.Retracted && inc.MergedInto != 0 && hops < 8; hops++ {
			if inc, found, err = tx.LockIncident(ctx, inc.MergedInto); err != nil {
				return err
			}
		}
		if !found {
			return api.Errorf(api.ENotFound, "incident %d not found", id)
		}
		if inc.AckedAt != nil || inc.EndedAt != nil || inc.Retracted {
			return nil
		}
		pol, err := e.loadPolicy(ctx, tx)
		if err != nil {
			return err
		}
		inc.AckedAt, inc.AckedBy, inc.AckedName = &now, user, name
		inc.Version++
		if err := tx.SaveIncident(ctx, inc); err != nil {
			return err
		}
		if err := tx.CancelPending(ctx, inc.Anchor, inc.ID, "", "reminder"); err != nil {
			return err
		}
		ths, err := tx.Threads(ctx, inc.Anchor, inc.ID)
		if err != nil {
			return err
		}
		var noteIn *thread
		for i, th := range ths {
			if th.Channel == channel || noteIn == nil {
				noteIn = &ths[i]
			}
			if err := enqueueUpdate(ctx, tx, pol, inc, th, now, updateNow, ""); err != nil {
				return err
			}
		}
		changed = true
		if noteIn == nil {
			return nil
		}
		return enqueueReply(ctx, tx, inc, *noteIn, "ack", ackMessage(pol.Language, user, name), now)
	})
	return changed, err
}
