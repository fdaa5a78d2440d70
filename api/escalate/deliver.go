package escalate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/slack-go/slack"
)

// metaEventType marks Pantau's messages in Slack; the event payload carries
// the outbox idempotency key, which is how a retry finds an earlier post.
const metaEventType = "pantau_outbox"

// deliver makes one Slack call for it (two when it must look first) and
// records the outcome. Only a database error is returned: Slack's errors
// become retries.
func (s *Sender) deliver(ctx context.Context, it outboxItem) error {
	callCtx, cancel := context.WithTimeout(ctx, s.cfg.RequestTimeout)
	defer cancel()
	ts, found, err := s.call(callCtx, it)
	// The outcome is recorded even when ctx ended mid-call, so a clean
	// shutdown leaves no row waiting for its lease.
	recCtx, recCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer recCancel()
	if err == nil {
		if found {
			s.cfg.Metrics.deduplicated.Inc()
			s.cfg.Logger.InfoContext(ctx, "slack message already posted, not posting again",
				slog.String("idem_key", it.key), slog.String("ts", ts))
		}
		s.cfg.Metrics.sent.WithLabelValues(it.kind).Inc()
		return s.markSent(recCtx, it, ts)
	}
	if ctx.Err() != nil {
		// Shutting down is no failure of Slack's: back in line, attempts
		// unspent, and looked for first in case the post got through.
		if _, err := s.pool.Exec(recCtx, `UPDATE escalation_outbox SET status = 'pending', lease_until = NULL,
			maybe_posted = maybe_posted OR kind <> 'update', next_attempt_at = $3
			WHERE office_code = $1 AND id = $2`, it.office, it.id, s.cfg.Clock.Now()); err != nil {
			return fmt.Errorf("release %s: %w", it.key, err)
		}
		return ctx.Err()
	}
	return s.markFailed(recCtx, it, err)
}

func (s *Sender) call(ctx context.Context, it outboxItem) (ts string, found bool, err error) {
	content := []slack.MsgOption{slack.MsgOptionText(it.msg.Text, false), slack.MsgOptionBlocks(it.msg.Blocks.BlockSet...)}
	if it.kind == "update" {
		// chat.update is idempotent: repeating it after a crash is harmless.
		_, _, _, err := s.client.UpdateMessageContext(ctx, it.channel, it.parentTS, content...)
		if err != nil {
			return "", false, fmt.Errorf("chat.update %s: %w", it.key, err)
		}
		return it.parentTS, false, nil
	}
	if it.maybePosted {
		ts, err := s.findPosted(ctx, it)
		if err != nil {
			return "", false, err
		}
		if ts != "" {
			return ts, true, nil
		}
	}
	opts := append(content, slack.MsgOptionMetadata(slack.SlackMetadata{
		EventType: metaEventType, EventPayload: map[string]any{"idem_key": it.key},
	}))
	if it.parentTS != "" {
		opts = append(opts, slack.MsgOptionTS(it.parentTS))
	}
	_, ts, err = s.client.PostMessageContext(ctx, it.channel, opts...)
	if err != nil {
		return "", false, fmt.Errorf("chat.postMessage %s: %w", it.key, err)
	}
	return ts, false, nil
}

// findPosted looks for a message carrying it's idempotency key: in the
// thread for a reply, in the channel's history since the row was written for
// a top-level message. It returns the message's ts, or "" when none.
func (s *Sender) findPosted(ctx context.Context, it outboxItem) (string, error) {
	match := func(msgs []slack.Message) string {
		for _, m := range msgs {
			if m.Metadata.EventType == metaEventType && m.Metadata.EventPayload["idem_key"] == it.key {
				return m.Timestamp
			}
		}
		return ""
	}
	// An hour before the row was written: room for our clock and Slack's to differ.
	oldest := strconv.FormatInt(it.createdAt.Add(-time.Hour).Unix(), 10) + ".000000"
	cursor := ""
	for page := 0; page < 20; page++ {
		var msgs []slack.Message
		var next string
		if it.parentTS != "" {
			var err error
			msgs, _, next, err = s.client.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
				ChannelID: it.channel, Timestamp: it.parentTS, Cursor: cursor, Limit: 200, IncludeAllMetadata: true})
			if err != nil {
				return "", fmt.Errorf("conversations.replies for %s: %w", it.key, err)
			}
		} else {
			resp, err := s.client.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: it.channel, Oldest: oldest, Cursor: cursor, Limit: 200, IncludeAllMetadata: true})
			if err != nil {
				return "", fmt.Errorf("conversations.history for %s: %w", it.key, err)
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
	return "", fmt.Errorf("looking for %s: channel history too long to search", it.key)
}

func (s *Sender) markSent(ctx context.Context, it outboxItem, ts string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE escalation_outbox
		SET status = 'sent', ts = $3, sent_at = $4, lease_until = NULL, last_error = ''
		WHERE office_code = $1 AND id = $2`, it.office, it.id, ts, s.cfg.Clock.Now()); err != nil {
		return fmt.Errorf("mark %s sent: %w", it.key, err)
	}
	return nil
}

// markFailed reschedules it: after Retry-After on 429 without spending an
// attempt (Pantau never gives up on rate limiting), else with exponential
// backoff and jitter until MaxAttempts, then gives up.
func (s *Sender) markFailed(ctx context.Context, it outboxItem, callErr error) error {
	now := s.cfg.Clock.Now()
	var rl *slack.RateLimitedError
	var slackErr slack.SlackErrorResponse
	// Slack answered and refused: the post did not happen, so the flag goes
	// back to what it was before this try.
	refused := errors.As(callErr, &rl) || errors.As(callErr, &slackErr)
	maybe := it.maybePosted || (it.kind != "update" && !refused)
	if rl != nil {
		wait := max(rl.RetryAfter, time.Second)
		s.cfg.Metrics.failures.WithLabelValues("rate_limited").Inc()
		s.cfg.Logger.WarnContext(ctx, "slack rate limited", slog.String("idem_key", it.key), slog.Duration("retry_after", wait))
		_, err := s.pool.Exec(ctx, `UPDATE escalation_outbox SET status = 'pending', next_attempt_at = $3,
			lease_until = NULL, maybe_posted = $4, last_error = $5 WHERE office_code = $1 AND id = $2`,
			it.office, it.id, now.Add(wait), maybe, callErr.Error())
		if err != nil {
			return fmt.Errorf("reschedule %s: %w", it.key, err)
		}
		return nil
	}
	reason := "transport"
	if refused {
		reason = "slack_error"
	}
	s.cfg.Metrics.failures.WithLabelValues(reason).Inc()
	attempts := it.attempts + 1
	status, next := "pending", now.Add(s.backoff(attempts))
	if attempts >= s.cfg.MaxAttempts {
		status = "given_up"
		s.cfg.Metrics.givenUp.Inc()
		s.cfg.Logger.ErrorContext(ctx, "slack message given up", slog.String("idem_key", it.key),
			slog.Int("attempts", attempts), slog.Any("error", callErr))
	} else {
		s.cfg.Logger.WarnContext(ctx, "slack call failed, will retry", slog.String("idem_key", it.key),
			slog.Int("attempts", attempts), slog.Time("next_attempt_at", next), slog.Any("error", callErr))
	}
	if _, err := s.pool.Exec(ctx, `UPDATE escalation_outbox SET status = $3, attempts = $4, next_attempt_at = $5,
		lease_until = NULL, maybe_posted = $6, last_error = $7 WHERE office_code = $1 AND id = $2`,
		it.office, it.id, status, attempts, next, maybe, callErr.Error()); err != nil {
		return fmt.Errorf("reschedule %s: %w", it.key, err)
	}
	return nil
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
