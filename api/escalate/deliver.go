package escalate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"github.com/pantau-id/pantau/api"
)

// metaEventType marks Pantau's messages in Slack; the event payload carries
// the outbox idempotency key, which is how a retry finds an earlier post.
const metaEventType = "pantau_outbox"

// deliver makes one Slack call for it (two when it must look first) and
// records the outcome. Only a database error is returned: Slack's errors
// become retries.
func (s *Sender) deliver(ctx context.Context, it api.OutboxClaim) error {
	var msg message
	if err := json.Unmarshal(it.Message, &msg); err != nil {
		return fmt.Errorf("decode outbox message %s: %w", it.Key, err)
	}
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	ts, found, family, err := s.call(callCtx, it, msg)
	// The outcome is recorded even when ctx ended mid-call, so a clean
	// shutdown leaves no row waiting for its lease.
	recCtx, recCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer recCancel()
	if err == nil {
		if found {
			s.cfg.Metrics.deduplicated.Inc()
			s.cfg.Logger.InfoContext(ctx, "slack message already posted, not posting again",
				slog.String("idem_key", it.Key), slog.String("ts", ts))
		}
		s.cfg.Metrics.sent.WithLabelValues(it.Kind).Inc()
		return s.store.MarkSent(recCtx, it, ts, s.cfg.Clock.Now())
	}
	if ctx.Err() != nil {
		// Shutting down is no failure of Slack's: back in line, attempts
		// unspent, and looked for first in case the post got through.
		if err := s.store.Reschedule(recCtx, it, "pending", it.Attempts, s.cfg.Clock.Now(),
			it.MaybePosted || it.Kind != "update", err.Error()); err != nil {
			return err
		}
		return ctx.Err()
	}
	return s.markFailed(recCtx, it, family, err)
}

// call makes it's Slack call; on failure family names the method family
// (chat, conversations) that failed, for a workspace-wide pause on 429.
func (s *Sender) call(ctx context.Context, it api.OutboxClaim, msg message) (ts string, found bool, family string, err error) {
	content := []slack.MsgOption{slack.MsgOptionText(msg.Text, false), slack.MsgOptionBlocks(msg.Blocks.BlockSet...)}
	if it.Kind == "update" {
		// chat.update is idempotent: repeating it after a crash is harmless.
		_, _, _, err := s.client.UpdateMessageContext(ctx, it.Channel, it.ParentTS, content...)
		if err != nil {
			return "", false, "chat", fmt.Errorf("chat.update %s: %w", it.Key, err)
		}
		return it.ParentTS, false, "", nil
	}
	if it.MaybePosted {
		ts, err := s.findPosted(ctx, it)
		if err != nil {
			return "", false, "conversations", err
		}
		if ts != "" {
			return ts, true, "", nil
		}
	}
	opts := append(content, slack.MsgOptionMetadata(slack.SlackMetadata{
		EventType: metaEventType, EventPayload: map[string]any{"idem_key": it.Key},
	}))
	if it.ParentTS != "" {
		opts = append(opts, slack.MsgOptionTS(it.ParentTS))
	}
	_, ts, err = s.client.PostMessageContext(ctx, it.Channel, opts...)
	if err != nil {
		return "", false, "chat", fmt.Errorf("chat.postMessage %s: %w", it.Key, err)
	}
	return ts, false, "", nil
}

// findPosted looks for a message carrying it's idempotency key: in the
// thread for a reply, in the channel's history since the row was written for
// a top-level message. It returns the message's ts, or "" when none.
func (s *Sender) findPosted(ctx context.Context, it api.OutboxClaim) (string, error) {
	match := func(msgs []slack.Message) string {
		for _, m := range msgs {
			if m.Metadata.EventType == metaEventType && m.Metadata.EventPayload["idem_key"] == it.Key {
				return m.Timestamp
			}
		}
		return ""
	}
	// An hour before the row was written: room for our clock and Slack's to differ.
	oldest := strconv.FormatInt(it.CreatedAt.Add(-time.Hour).Unix(), 10) + ".000000"
	cursor := ""
	for page := 0; page < 20; page++ {
		var msgs []slack.Message
		var next string
		if it.ParentTS != "" {
			var err error
			msgs, _, next, err = s.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: it.Channel, Timestamp: it.ParentTS, Cursor: cursor, Limit: 200, IncludeAllMetadata: true})
			if err != nil {
				return "", fmt.Errorf("conversations.replies for %s: %w", it.Key, err)
			}
		} else {
			resp, err := s.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: it.Channel, Oldest: oldest, Cursor: cursor, Limit: 200, IncludeAllMetadata: true})
			if err != nil {
				return "", fmt.Errorf("conversations.history for %s: %w", it.Key, err)
			}
			msgs, next = resp.Messages, resp.ResponseMetaData.NextCursor
		}
		if ts := match(msgs); ts != "" {
			return ts, nil
		}
		if next == "" {
			return "", nil
		}
		cursor = next
	}
	return "", fmt.Errorf("looking for %s: channel history too long to search", it.Key)
}

// markFailed reschedules it: after Retry-After on 429 without spending an
// attempt, the pause shared by every call of the method family in the
// workspace; else with capped exponential backoff. A message is given up
// after MaxAttempts only when its incident is over for longer than KeepFor
// (or it has none, as a digest): while the incident matters it is retried
// for ever.
func (s *Sender) markFailed(ctx context.Context, it api.OutboxClaim, family string, callErr error) error {
	now := s.cfg.Clock.Now()
	var rl *slack.RateLimitedError
	var slackErr slack.SlackErrorResponse
	// Slack answered and refused: the post did not happen, so the flag goes
	// back to what it was before this try.
	refused := errors.As(callErr, &rl) || errors.As(callErr, &slackErr)
	maybe := it.MaybePosted || (it.Kind != "update" && !refused)
	if rl != nil {
		until := now.Add(max(rl.RetryAfter, time.Second))
		s.cfg.Metrics.failures.WithLabelValues("rate_limited").Inc()
		s.cfg.Logger.WarnContext(ctx, "slack rate limited: pausing the method family for the workspace",
			slog.String("idem_key", it.Key), slog.String("family", family), slog.Time("until", until))
		if err := s.store.PauseFamily(ctx, family, until); err != nil {
			return err
		}
		return s.store.Reschedule(ctx, it, "pending", it.Attempts, until, maybe, callErr.Error())
	}
	reason := "transport"
	if refused {
		reason = "slack_error"
	}
	s.cfg.Metrics.failures.WithLabelValues(reason).Inc()
	attempts := it.Attempts + 1
	status, next := "pending", now.Add(s.backoff(attempts))
	if attempts >= s.cfg.MaxAttempts && !it.Keep {
		status = "given_up"
		s.cfg.Metrics.givenUp.Inc()
		s.cfg.Logger.ErrorContext(ctx, "slack message given up", slog.String("idem_key", it.Key),
			slog.Int("attempts", attempts), slog.Any("err", callErr))
	} else {
		s.cfg.Logger.WarnContext(ctx, "slack call failed, will retry", slog.String("idem_key", it.Key),
			slog.Int("attempts", attempts), slog.Time("next_attempt_at", next), slog.Any("err", callErr))
	}
	return s.store.Reschedule(ctx, it, status, attempts, next, maybe, callErr.Error())
}

// backoff is BackoffBase·2^(n-1), capped at BackoffMax, with jitter in
// [d/2, d] so senders that failed together do not retry together.
func (s *Sender) backoff(n int) time.Duration {
	d := s.cfg.BackoffBase << min(n-1, 30)
	if d <= 0 || d > s.cfg.BackoffMax {
		d = s.cfg.BackoffMax
	}
	return d/2 + rand.N(d/2+1)
}
