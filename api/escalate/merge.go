package escalate

import (
	"context"
	"time"

	"github.com/pantau-id/pantau/api"
)

// merge retracts incident m because its offices now belong to incident
// into (two office or province incidents found to be one cut, a late
// outage bridging two): the survivor takes over m's threads, so a channel
// keeps one top message for the cut whatever the order the incidents
// reached it in.
//
// For each channel m reached: when m's top message never went out it is
// withdrawn (the survivor opens its own if its rules say so); when it went
// out and the survivor has no top message there that went out, the
// survivor inherits m's thread (a top message of its own still waiting is
// withdrawn) and the inherited top is rewritten to the survivor's state;
// only when both went out does m's top stay m's, marked withdrawn. The
// survivor is then evaluated again: office threads it inherited while at
// province or national scope get their reply pointing to the wider message.
func (e *Escalator) merge(ctx context.Context, tx api.EscalationTx, pol Policy, m incident, ths []thread, into int64, now time.Time) error {
	s, found, err := tx.LockIncident(ctx, into)
	if err != nil {
		return err
	}
	if !found || s.Retracted || s.ID == m.ID {
		return e.retract(ctx, tx, pol, m, ths, now) // no survivor escalation knows: a plain withdrawal
	}
	m.MergedInto = s.ID
	if err := tx.SaveIncident(ctx, m); err != nil {
		return err
	}
	theirs, err := tx.Threads(ctx, s.Anchor, s.ID)
	if err != nil {
		return err
	}
	byChannel := map[string]thread{}
	for _, th := range theirs {
		byChannel[th.Channel] = th
	}
	var kept, inherited []thread
	for _, th := range ths {
		out, err := topOut(ctx, tx, m, th)
		if err != nil {
			return err
		}
		if !out {
			kept = append(kept, th) // withdrawn with m's other pending rows below
			continue
		}
		if sth, ok := byChannel[th.Channel]; ok {
			sOut, err := topOut(ctx, tx, s, sth)
			if err != nil {
				return err
			}
			if sOut {
				kept = append(kept, th) // two tops out already: m's says it is withdrawn
				continue
			}
			// The survivor's own top there is still waiting: m's, which
			// Slack has, takes its place.
			if err := tx.CancelPending(ctx, s.Anchor, s.ID, th.Channel); err != nil {
				return err
			}
			if err := tx.DropThread(ctx, s.Anchor, s.ID, th.Channel); err != nil {
				return err
			}
		}
		// m's replies and edits not yet sent speak of m: the survivor
		// writes its own. (The top itself, of kind open, late or
		// maintenance, may still be pending a retry that may have reached
		// Slack: it stays.)
		if err := tx.CancelPending(ctx, m.Anchor, m.ID, th.Channel, "reminder", "ack", "recovered", "reopened",
			"pointer", "update"); err != nil {
			return err
		}
		if err := tx.MoveThread(ctx, m.Anchor, m.ID, th.Channel, s.Anchor, s.ID, topKey(m.ID, th)); err != nil {
			return err
		}
		th.Top = topKey(m.ID, th)
		inherited = append(inherited, th)
	}
	if err := e.retract(ctx, tx, pol, m, kept, now); err != nil {
		return err
	}
	if len(inherited) == 0 {
		return nil
	}
	s.Version++
	if err := tx.SaveIncident(ctx, s); err != nil {
		return err
	}
	if s.EndedAt == nil {
		if err := e.evaluate(ctx, tx, pol, &s, now, false); err != nil {
			return err
		}
		return e.refreshTops(ctx, tx, pol, s, inherited, now, "")
	}
	for _, th := range inherited {
		after := ""
		if !s.Late && !s.Maintenance {
			// An inherited channel hears of the recovery as the others did.
			if err := enqueueReply(ctx, tx, s, th, "recovered", recoveredMessage(pol.Language, s), now); err != nil {
				return err
			}
			after = replyKey(s, th.Channel, "recovered")
		}
		if err := enqueueUpdate(ctx, tx, pol, s, th, now, updateNow, after); err != nil {
			return err
		}
	}
	return nil
}

// topOut reports whether th's top message is (or may be) in Slack: sent,
// being sent, or tried in a way that may have reached it.
func topOut(ctx context.Context, tx api.EscalationTx, inc incident, th thread) (bool, error) {
	status, maybe, found, err := tx.OutboxRow(ctx, inc.Anchor, topKey(inc.ID, th))
	if err != nil || !found {
		return false, err
	}
	return status == "sent" || status == "sending" || maybe, nil
}
