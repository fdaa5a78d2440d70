package escalate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"time"

	"github.com/pantau-id/pantau/api"
)

func incidentKey(id int64, channel, kind string) string {
	return fmt.Sprintf("incident:%d:%s:%s", id, channel, kind)
}

// openKey is the key of the top message of a thread incident id opens.
func openKey(id int64, channel string) string { return incidentKey(id, channel, "open") }

// topKey is the key of th's top message: its incident's own, or the merged
// incident's it inherited.
func topKey(id int64, th thread) string {
	if th.Top != "" {
		return th.Top
	}
	return openKey(id, th.Channel)
}

// replyKey keys a reply by the incident's version: after a reopening, the
// second recovery is news too.
func replyKey(inc incident, channel, kind string) string {
	return fmt.Sprintf("%s:v%d", incidentKey(inc.ID, channel, kind), inc.Version)
}

// enqueue renders msg into e and writes it unless its key exists. Being
// idempotent by key is what lets Observe and Tick be repeated freely.
func enqueue(ctx context.Context, tx api.EscalationTx, e api.OutboxEntry, msg message) error {
	raw, err := json.Marshal(msg)
	if err != nil {
		return fmt.Errorf("encode message %s: %w", e.Key, err)
	}
	e.Message = raw
	_, err = tx.Enqueue(ctx, e)
	return err
}

// enqueueReply queues a reply of kind in th's thread.
func enqueueReply(ctx context.Context, tx api.EscalationTx, inc incident, th thread, kind string, msg message, now time.Time) error {
	id := inc.ID
	return enqueue(ctx, tx, api.OutboxEntry{Office: inc.Anchor, Key: replyKey(inc, th.Channel, kind), IncidentID: &id,
		Channel: th.Channel, Kind: kind, Parent: topKey(inc.ID, th), At: now}, msg)
}

// sameJSON reports whether two JSON documents are equal as values (the
// store's jsonb does not keep key order or spacing).
func sameJSON(a, b []byte) bool {
	if a == nil || b == nil {
		return false
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return bytes.Equal(a, b)
	}
	return reflect.DeepEqual(x, y)
}

// updateMode says how soon a top message's rewrite goes out.
type updateMode int

const (
	updateNow   updateMode = iota // acknowledgement, recovery, withdrawal: at once
	updatePaced                   // offices joining, scope: at most once a minute per message
)

// updateEvery is the least gap between two paced rewrites of a top message.
const updateEvery = time.Minute

// enqueueUpdate brings th's top message to inc's present state. Nothing
// when it would say what it says (or will say) already; a rewrite in place
// while the top message was never handed to Slack; else a chat.update that
// supersedes every older one not yet sent. after names a row the update
// must wait for (the recovery reply: the top never says "Pulih" first).
func enqueueUpdate(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, th thread, now time.Time,
	mode updateMode, after string) error {
	raw, err := json.Marshal(topMessage(pol, inc, officesFor(inc, th)))
	if err != nil {
		return fmt.Errorf("encode top message: %w", err)
	}
	parent := topKey(inc.ID, th)
	cur, err := tx.TopContent(ctx, inc.Anchor, parent)
	if err != nil {
		return err
	}
	if sameJSON(cur, raw) {
		return nil
	}
	if after == "" {
		done, err := tx.RewritePending(ctx, inc.Anchor, parent, raw)
		if err != nil {
			return err
		}
		if done {
			return tx.CancelUpdates(ctx, inc.Anchor, parent)
		}
	}
	if err := tx.CancelUpdates(ctx, inc.Anchor, parent); err != nil {
		return err
	}
	due := now
	if mode == updatePaced {
		last, err := tx.LastUpdateSent(ctx, inc.Anchor, parent)
		if err != nil {
			return err
		}
		if next := last.Add(updateEvery); next.After(due) {
			due = next
		}
	}
	id := inc.ID
	_, err = tx.Enqueue(ctx, api.OutboxEntry{Office: inc.Anchor,
		Key:        fmt.Sprintf("%s:update:v%d", incidentKey(inc.ID, th.Channel, "top"), inc.Version),
		IncidentID: &id, Channel: th.Channel, Kind: "update", Parent: parent, After: after,
		Message: raw, At: now, Due: due})
	return err
}
