package escalate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/pantau-id/pantau/api/clock"
)

// nameFresh is how long a cached display name is used before users.info is
// asked again.
const nameFresh = 24 * time.Hour

// UserNames resolves Slack user IDs to display names with users.info,
// cached in the store, so acknowledgements show a person, not an ID.
type UserNames struct {
	store   Store
	client  *slack.Client
	clock   clock.Clock
	timeout time.Duration
}

// NewUserNames returns a resolver using the Slack token and API of cfg.
func NewUserNames(store Store, cfg Config) *UserNames {
	cfg.setDefaults()
	return &UserNames{store: store, client: newClient(cfg), clock: cfg.Clock, timeout: cfg.RequestTimeout}
}

// Name returns user's display name (else real name), from the cache when
// fresh. While Slack pauses users.* (a 429) it answers from a stale cache
// entry or not at all.
func (n *UserNames) Name(ctx context.Context, user string) (string, error) {
	now := n.clock.Now()
	if name, ok, err := n.store.UserName(ctx, user, now.Add(-nameFresh)); err != nil || ok {
		return name, err
	}
	stale, _, err := n.store.UserName(ctx, user, time.Time{})
	if err != nil {
		return "", err
	}
	if until, err := n.store.FamilyPausedUntil(ctx, "users", now); err != nil || !until.IsZero() {
		return stale, err
	}
	callCtx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	u, err := n.client.GetUserInfoContext(callCtx, user)
	if err != nil {
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) {
			if perr := n.store.PauseFamily(ctx, "users", now.Add(max(rl.RetryAfter, time.Second))); perr != nil {
				return stale, perr
			}
		}
		return stale, fmt.Errorf("users.info %s: %w", user, err)
	}
	name := u.Profile.DisplayName
	if name == "" {
		name = u.Profile.RealName
	}
	if name == "" {
		name = u.RealName
	}
	if name == "" {
		return stale, nil
	}
	return name, n.store.SaveUserName(ctx, user, name, now)
}
