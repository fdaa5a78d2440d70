package escalate

import (
	"context"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Store is escalation's storage (api/postgres's Escalation implements it):
// its incidents, threads, policy and the outbox. Work inside one
// transaction goes through api.EscalationTx.
type Store interface {
	// InTx runs f in one transaction.
	InTx(ctx context.Context, f func(api.EscalationTx) error) error
	Policy(ctx context.Context) (api.EscalationPolicy, error)
	SavePolicy(ctx context.Context, p api.EscalationPolicy) error
	OpenIncidentIDs(ctx context.Context) ([]int64, error)
	Province(ctx context.Context, code string) (name, tz string, err error)
	DigestIncidents(ctx context.Context, province string, since, now time.Time) ([]api.EscalationIncident, error)
	Enqueue(ctx context.Context, e api.OutboxEntry) (bool, error)
	OutboxKeyExists(ctx context.Context, office, key string) (bool, error)

	// The sender's.
	DueChannels(ctx context.Context, now time.Time) ([]string, error)
	ClaimNext(ctx context.Context, channel string, now time.Time, o api.OutboxClaimOptions) (api.OutboxClaimResult, error)
	MarkSent(ctx context.Context, r api.OutboxClaim, ts string, now time.Time) error
	Reschedule(ctx context.Context, r api.OutboxClaim, status string, attempts int, next time.Time, maybePosted bool, lastErr string) error
	PauseFamily(ctx context.Context, family string, until time.Time) error
	FamilyPausedUntil(ctx context.Context, family string, now time.Time) (time.Time, error)
	OutboxCounts(ctx context.Context) (map[string]int, error)
	PruneOutbox(ctx context.Context, before time.Time) (int64, error)
	Requeue(ctx context.Context, office string, id int64, now time.Time) (int64, error)

	// Interactivity's.
	RememberSignature(ctx context.Context, sig string, now, pruneBefore time.Time) (bool, error)
	UserName(ctx context.Context, user string, since time.Time) (string, bool, error)
	SaveUserName(ctx context.Context, user, name string, now time.Time) error
}
