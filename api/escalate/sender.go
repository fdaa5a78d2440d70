package escalate

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
)

// Config configures a Sender. Zero values take the defaults shown.
type Config struct {
	Token           string        // Slack bot token (xoxb-…); required
	APIURL          string        // Web API base ending in "/"; default Slack's
	PollInterval    time.Duration // how often Start looks at the outbox; 500ms
	ChannelInterval time.Duration // least gap between two messages to one channel; 1s
	RequestTimeout  time.Duration // bound of one Slack call, so a hung Slack is a failure; 15s
	Lease           time.Duration // how long a claimed row is ours before another sender may take it; 2m, at least RequestTimeout+1s
	MaxAttempts     int           // failures (not 429s) before a message of an incident over for KeepFor gives up; 10
	KeepFor         time.Duration // a message of an incident open or ended less than this ago is never given up; 24h
	BackoffBase     time.Duration // first retry delay, doubled each failure, with jitter; 2s
	BackoffMax      time.Duration // longest retry delay; 5m
	BatchSize       int           // rows looked at per RunOnce; 100
	GaugeInterval   time.Duration // how often the outbox gauges are recounted; 15s
	Retention       time.Duration // done rows of incidents ended longer ago are pruned hourly; 30 days
	HTTPClient      *http.Client  // default a client without its own timeout
	Clock           clock.Clock   // default clock.Real
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
	def(&c.BackoffMax, 5*time.Minute)
	def(&c.KeepFor, 24*time.Hour)
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
		c.Clock = clock.Real{}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Metrics == nil {
		c.Metrics = NewMetrics(nil)
	}
}

// Sender delivers the outbox to Slack, each message exactly once. Every
// channel with messages due is served by its own worker, so a hung call
// holds only its channel; the pace per channel and Slack's Retry-After
// pauses live in the database, so they hold across replicas.
type Sender struct {
	store  Store
	cfg    Config
	client *slack.Client

	svc       *background.Service
	mu        sync.Mutex
	workCtx   context.Context // Start's: workers outlive the pass that started them
	workers   map[string]bool // channels being served now
	wg        sync.WaitGroup
	lastGauge time.Time
	lastPrune time.Time
}

func newClient(cfg Config) *slack.Client {
	opts := []slack.Option{slack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	return slack.New(cfg.Token, opts...)
}

// NewSender returns a Sender over store using the real slack-go client.
func NewSender(store Store, cfg Config) *Sender {
	cfg.setDefaults()
	s := &Sender{store: store, cfg: cfg, client: newClient(cfg), workers: map[string]bool{}}
	s.svc = background.New(background.Config{Name: "slack-sender", Interval: cfg.PollInterval, Timeout: dispatchTimeout,
		Clock: cfg.Clock, Logger: cfg.Logger}, func(ctx context.Context) (bool, error) { return false, s.dispatch(ctx) })
	return s
}

// dispatchTimeout bounds one look for channels with messages due (the
// workers' calls have their own RequestTimeout).
const dispatchTimeout = 30 * time.Second

// Start looks for channels with messages due every PollInterval and serves
// each in its own worker until ctx ends, then waits for the workers. A row
// being sent when ctx ends is put back in line, marked as possibly posted,
// so whoever sends it next looks in Slack first.
func (s *Sender) Start(ctx context.Context) {
	s.mu.Lock()
	s.workCtx = ctx
	s.mu.Unlock()
	s.svc.Start(ctx)
	s.wg.Wait()
}

// dispatch starts a worker for every channel with a row due that has none,
// and does the housekeeping (gauges, pruning). The workers live on Start's
// context, not the pass's: a pass ends, its workers go on.
func (s *Sender) dispatch(ctx context.Context) error {
	s.mu.Lock()
	wctx := s.workCtx
	s.mu.Unlock()
	if wctx == nil {
		return fmt.Errorf("sender: dispatch outside Start")
	}
	now := s.cfg.Clock.Now()
	chans, err := s.store.DueChannels(ctx, now)
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, ch := range chans {
		if s.workers[ch] {
			continue
		}
		s.workers[ch] = true
		s.wg.Add(1)
		go s.work(wctx, ch)
	}
	s.mu.Unlock()
	return s.housekeeping(ctx, now)
}

// work serves one channel until nothing of it is due: one message at a
// time, each call bounded by RequestTimeout, waiting out the channel's pace
// and the workspace's pauses.
func (s *Sender) work(ctx context.Context, channel string) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.workers, channel)
		s.mu.Unlock()
	}()
	for ctx.Err() == nil {
		sent, wait, err := s.step(ctx, channel)
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.ErrorContext(ctx, "escalation sender failed", slog.String("channel", channel), slog.Any("err", err))
			}
			return
		}
		if !sent && wait <= 0 {
			return // nothing due: the dispatcher starts us again when there is
		}
		if wait > 0 {
			select {
			case <-ctx.Done():
				return
			case <-s.cfg.Clock.After(min(wait, maxWorkerWait)):
			}
		}
	}
}

// maxWorkerWait bounds one wait of a worker, so a pause lifted early (a
// requeue, another replica's success) is noticed soon.
const maxWorkerWait = 5 * time.Second

// step claims the channel's next row and delivers it. sent is false with
// the wait the channel owes when nothing could be claimed now.
func (s *Sender) step(ctx context.Context, channel string) (sent bool, wait time.Duration, err error) {
	c, err := s.store.ClaimNext(ctx, channel, s.cfg.Clock.Now(), api.OutboxClaimOptions{
		Lease: s.cfg.Lease, Pace: s.cfg.ChannelInterval, Keep: s.cfg.KeepFor})
	if err != nil || !c.OK {
		return false, c.Wait, err
	}
	return true, 0, s.deliver(ctx, c.Row)
}

// RunOnce makes one step for every channel with a row due, the channels in
// parallel, and returns how many rows it delivered or rescheduled. Tests
// drive the sender with it under a simulated clock; Start runs workers.
func (s *Sender) RunOnce(ctx context.Context) (int, error) {
	now := s.cfg.Clock.Now()
	chans, err := s.store.DueChannels(ctx, now)
	if err != nil {
		return 0, err
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		n     int
		first error
	)
	for _, ch := range chans {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sent, _, err := s.step(ctx, ch)
			mu.Lock()
			defer mu.Unlock()
			if sent {
				n++
			}
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return n, first
	}
	return n, s.housekeeping(ctx, now)
}

// housekeeping prunes old rows hourly and recounts the outbox gauges.
func (s *Sender) housekeeping(ctx context.Context, now time.Time) error {
	s.mu.Lock()
	prune := now.Sub(s.lastPrune) >= time.Hour || now.Before(s.lastPrune)
	if prune {
		s.lastPrune = now
	}
	gauge := now.Sub(s.lastGauge) >= s.cfg.GaugeInterval || now.Before(s.lastGauge)
	if gauge {
		s.lastGauge = now
	}
	s.mu.Unlock()
	if prune {
		if _, err := s.store.PruneOutbox(ctx, now.Add(-s.cfg.Retention)); err != nil {
			return err
		}
	}
	if gauge {
		counts, err := s.store.OutboxCounts(ctx)
		if err != nil {
			return err
		}
		for status, n := range counts {
			s.cfg.Metrics.outbox.WithLabelValues(status).Set(float64(n))
		}
	}
	return nil
}
