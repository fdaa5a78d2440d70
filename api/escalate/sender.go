package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/slack-go/slack"

	"github.com/pantau-id/pantau/api"
)

// Config configures a Sender. Zero values take the defaults shown.
type Config struct {
	Token           string        // Slack bot token (xoxb-…); required
	APIURL          string        // Web API base ending in "/"; default Slack's
	PollInterval    time.Duration // how often Start looks at the outbox; 500ms
	ChannelInterval time.Duration // least gap between two messages to one channel; 1s
	RequestTimeout  time.Duration // bound of one Slack call, so a hung Slack is a failure; 15s
	Lease           time.Duration // how long a claimed row is ours before another sender may take it; 2m, at least RequestTimeout+1s
	MaxAttempts     int           // failures (not 429s) before a message gives up; 10
	BackoffBase     time.Duration // first retry delay, doubled each failure, with jitter; 2s
	BackoffMax      time.Duration // longest retry delay; 10m
	BatchSize       int           // rows looked at per RunOnce; 100
	GaugeInterval   time.Duration // how often the outbox gauges are recounted; 15s
	Retention       time.Duration // done rows of incidents ended longer ago are pruned hourly; 30 days
	HTTPClient      *http.Client  // default a client without its own timeout
	Clock           Clock         // default SystemClock
	Logger          *slog.Logger  // default slog.Default()
	Metrics         *Metrics      // default unregistered metrics
}

// Validate reports what the server must set: the token, and an APIURL
// that ends in "/" (slack-go appends method names to it).
func (c Config) Validate() error {
	if c.Token == "" {
		return api.FieldErrorf("slack.token", "is required (a bot token, xoxb-…)")
	}
	if c.APIURL != "" && !strings.HasSuffix(c.APIURL, "/") {
		return api.FieldErrorf("slack.api_url", "must end in /, not %q", c.APIURL)
	}
	return nil
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.PollInterval, 500*time.Millisecond)
	def(&c.ChannelInterval, time.Second)
	def(&c.RequestTimeout, 15*time.Second)
	def(&c.Lease, 2*time.Minute)
	def(&c.BackoffBase, 2*time.Second)
	def(&c.BackoffMax, 10*time.Minute)
	def(&c.GaugeInterval, 15*time.Second)
	def(&c.Retention, 30*24*time.Hour)
	// A lease that ran out while our call could still be in flight would let
	// a second sender look in Slack too early and post again.
	c.Lease = max(c.Lease, c.RequestTimeout+time.Second)
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 10
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Clock == nil {
		c.Clock = SystemClock
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
}

// Sender delivers the outbox to Slack, each message exactly once.
type Sender struct {
	pool      *pgxpool.Pool
	cfg       Config
	client    *slack.Client
	lastSent  map[string]time.Time // channel → last call, for ChannelInterval
	lastGauge time.Time
	lastPrune time.Time
}

// NewSender returns a Sender over pool using the real slack-go client.
func NewSender(pool *pgxpool.Pool, cfg Config) *Sender {
	cfg.setDefaults()
	opts := []slack.Option{slack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	return &Sender{pool: pool, cfg: cfg, client: slack.New(cfg.Token, opts...), lastSent: map[string]time.Time{}}
}

// Start runs RunOnce every PollInterval until ctx ends. A row being sent
// when ctx ends stays claimed until its lease runs out, then is retried
// (looking in Slack first, so it is not posted twice).
func (s *Sender) Start(ctx context.Context) {
	t := time.NewTicker(s.cfg.PollInterval)
	defer t.Stop()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.cfg.Logger.ErrorContext(ctx, "escalation sender pass failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// outboxItem is a claimed row with what delivering it needs.
type outboxItem struct {
	office, key, channel, kind string
	id                         int64
	msg                        message
	maybePosted                bool // before this claim: an earlier try may have reached Slack
	createdAt                  time.Time
	parentTS                   string
	attempts                   int
	orphanStatus               string // given_up or cancelled, for a reply whose top never went out
}

// RunOnce claims the rows due now (at most one per channel, none for a
// channel called less than ChannelInterval ago, none whose thread parent is
// unsent) and delivers them. It returns how many it delivered or
// rescheduled.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	now := s.cfg.Clock.Now()
	items, err := s.claim(ctx, now)
	if err != nil {
		return 0, err
	}
	leaseEnd := now.Add(s.cfg.Lease)
	for i, it := range items {
		// Calls are made one after another: a row whose lease could run out
		// during its call goes back in line instead, so no other sender can
		// take it while our call may still reach Slack.
		if ctx.Err() != nil || s.cfg.Clock.Now().Add(s.cfg.RequestTimeout).After(leaseEnd) {
			if err := s.release(ctx, items[i:]); err != nil {
				return i, err
			}
			return i, ctx.Err()
		}
		if err := s.deliver(ctx, it); err != nil {
			if rerr := s.release(ctx, items[i+1:]); rerr != nil {
				return i, rerr
			}
			return i, err
		}
		s.lastSent[it.channel] = s.cfg.Clock.Now()
	}
	if now.Sub(s.lastPrune) >= time.Hour || now.Before(s.lastPrune) {
		s.lastPrune = now
		if _, err := PruneOutbox(ctx, s.pool, now.Add(-s.cfg.Retention)); err != nil {
			return len(items), err
		}
	}
	if now.Sub(s.lastGauge) >= s.cfg.GaugeInterval || now.Before(s.lastGauge) {
		s.lastGauge = now
		counts, err := OutboxCounts(ctx, s.pool)
		if err != nil {
			return len(items), err
		}
		for status, n := range counts {
			s.cfg.Metrics.outbox.WithLabelValues(status).Set(float64(n))
		}
	}
	return len(items), nil
}

// claimSQL picks, for each channel, its oldest row that is due and not
// waiting for its thread's top message, and locks it. One per channel, so a
// channel with a long queue never keeps another's first message out of the
// batch. The due condition is repeated on the locked rows so that a row
// another sender claimed meanwhile is passed over.
const claimSQL = `
	WITH due AS (
		SELECT DISTINCT ON (o.channel_id) o.office_code, o.id
		FROM escalation_outbox o
		LEFT JOIN escalation_outbox p ON p.office_code = o.office_code AND p.idem_key = o.parent_key
		WHERE o.status IN ('pending', 'sending')
		  AND ((o.status = 'pending' AND o.next_attempt_at <= $1) OR (o.status = 'sending' AND o.lease_until <= $1))
		  AND (o.parent_key IS NULL OR p.status IS DISTINCT FROM 'pending' AND p.status IS DISTINCT FROM 'sending')
		ORDER BY o.channel_id, o.id
	)
	SELECT o.office_code, o.id, o.idem_key, o.channel_id, o.kind, o.message, o.maybe_posted,
	       o.created_at, o.attempts, o.parent_key IS NOT NULL, coalesce(p.status, ''), coalesce(p.ts, '')
	FROM due
	JOIN escalation_outbox o ON o.office_code = due.office_code AND o.id = due.id
	LEFT JOIN escalation_outbox p ON p.office_code = o.office_code AND p.idem_key = o.parent_key
	WHERE o.status IN ('pending', 'sending')
	  AND ((o.status = 'pending' AND o.next_attempt_at <= $1) OR (o.status = 'sending' AND o.lease_until <= $1))
	ORDER BY o.id LIMIT $2
	FOR UPDATE OF o SKIP LOCKED`

func (s *Sender) claim(ctx context.Context, now time.Time) ([]outboxItem, error) {
	var items []outboxItem
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		items = nil
		rows, err := tx.Query(ctx, claimSQL, now, s.cfg.BatchSize)
		if err != nil {
			return fmt.Errorf("scan outbox: %w", err)
		}
		var orphans []outboxItem
		taken := map[string]bool{}
		for rows.Next() {
			var it outboxItem
			var raw []byte
			var hasParent bool
			var parentStatus string
			if err := rows.Scan(&it.office, &it.id, &it.key, &it.channel, &it.kind, &raw, &it.maybePosted,
				&it.createdAt, &it.attempts, &hasParent, &parentStatus, &it.parentTS); err != nil {
				rows.Close()
				return fmt.Errorf("scan outbox row: %w", err)
			}
			switch {
			case hasParent && (parentStatus == "given_up" || parentStatus == "cancelled" || parentStatus == ""):
				it.orphanStatus = "given_up"
				if parentStatus == "cancelled" {
					it.orphanStatus = "cancelled"
				}
				orphans = append(orphans, it)
				continue
			case hasParent && parentStatus != "sent":
				continue // its top message is being sent right now
			case taken[it.channel],
				!s.lastSent[it.channel].IsZero() && now.Sub(s.lastSent[it.channel]) < s.cfg.ChannelInterval:
				// A channel gets one message per pass, in id order: a later
				// row never overtakes an earlier one waiting for its turn.
				taken[it.channel] = true
				continue
			}
			taken[it.channel] = true
			if err := json.Unmarshal(raw, &it.msg); err != nil {
				rows.Close()
				return fmt.Errorf("decode outbox message %s: %w", it.key, err)
			}
			items = append(items, it)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("scan outbox: %w", err)
		}
		for _, it := range orphans {
			if _, err := tx.Exec(ctx, `UPDATE escalation_outbox SET status = $3, lease_until = NULL,
				last_error = 'its thread''s top message was never posted' WHERE office_code = $1 AND id = $2`,
				it.office, it.id, it.orphanStatus); err != nil {
				return fmt.Errorf("give up orphan %s: %w", it.key, err)
			}
			if it.orphanStatus == "given_up" {
				s.cfg.Metrics.givenUp.Inc()
			}
		}
		for _, it := range items {
			// maybe_posted goes up before Slack is called: if we die during
			// the call, whoever retries knows to look first.
			if _, err := tx.Exec(ctx, `UPDATE escalation_outbox SET status = 'sending', lease_until = $3,
				maybe_posted = maybe_posted OR kind <> 'update' WHERE office_code = $1 AND id = $2`,
				it.office, it.id, now.Add(s.cfg.Lease)); err != nil {
				return fmt.Errorf("claim %s: %w", it.key, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// release puts claimed rows that were never handed to Slack back in line
// as they were.
func (s *Sender) release(ctx context.Context, items []outboxItem) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	for _, it := range items {
		if _, err := s.pool.Exec(ctx, `UPDATE escalation_outbox SET status = 'pending', lease_until = NULL,
			maybe_posted = $3 WHERE office_code = $1 AND id = $2`, it.office, it.id, it.maybePosted); err != nil {
			return fmt.Errorf("release %s: %w", it.key, err)
		}
	}
	return nil
}
