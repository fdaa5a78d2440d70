package agent

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/spool"
)

// Defaults for Config.
const (
	DefaultInterval      = 30 * time.Second
	DefaultTimeout       = 10 * time.Second
	DefaultBatchSize     = 500
	DefaultBackoffMin    = time.Second
	DefaultBackoffMax    = 5 * time.Minute
	DefaultAuthRetry     = 5 * time.Minute
	DefaultShutdownGrace = 5 * time.Second
	DefaultRequestTime   = 30 * time.Second
	// DefaultReachCheck is how often a backed-off uploader asks whether the
	// server answers again, so results flow within seconds of the link
	// returning rather than after the backoff (issue 11).
	DefaultReachCheck = 10 * time.Second
	// DefaultRefusalsBeforeSplit is how often the server may refuse a batch
	// as a whole before the uploader looks for the one result it refuses.
	DefaultRefusalsBeforeSplit = 3
)

// Config is what the agent needs; zero values take the defaults above
// (UploadDelay excepted: zero means no delay).
type Config struct {
	// Server is the base URL of the Pantau server, e.g. https://pantau.example.go.id.
	Server string
	// Token is the probe's bearer token.
	Token string
	// Interval is the time between two checks of one target.
	Interval time.Duration
	// Timeout bounds a check whose target sets none.
	Timeout time.Duration
	// BatchSize is the most results sent in one request.
	BatchSize int
	// Targets are what this probe checks; with ConfigPoll set, only until
	// the cache or the server gives others.
	Targets []probe.Target
	// ConfigPoll, when positive, turns on central configuration: the agent
	// fetches its targets and interval from GET {Server}/api/v1/probe/config
	// at start and every ConfigPoll, and follows each change by restarting
	// its schedulers only (the spool and the uploader run on). Zero: Targets
	// and Interval are fixed.
	ConfigPoll time.Duration
	// ConfigCache is the file that keeps the last configuration the server
	// gave (written atomically). It is read at start, so an agent restarted
	// while the server is unreachable checks its targets all the same.
	// Empty: no cache.
	ConfigCache string
	// Version is reported to the server in every batch.
	Version string
	// BackoffMin and BackoffMax bound the exponential backoff after network
	// errors and 5xx answers.
	BackoffMin, BackoffMax time.Duration
	// ReachCheck is how often, while backing off after the server could
	// not be reached, the uploader asks GET {Server}/readyz; an answer ends
	// the backoff at once.
	ReachCheck time.Duration
	// RefusalsBeforeSplit is how many times in a row the server may refuse
	// a whole batch (5xx while it says it is ready, or 400 for a single
	// result) before the batch is split until the refused result is found,
	// dropped and counted, so one bad result cannot block the spool.
	RefusalsBeforeSplit int
	// AuthRetry is the slow retry interval after the server refused the
	// token (401/403); results keep spooling meanwhile.
	AuthRetry time.Duration
	// UploadDelay is how long the uploader lets new results gather before
	// it sends them, so one request carries many (zero: send at once).
	// Backlogs are sent back to back regardless.
	UploadDelay time.Duration
	// ShutdownGrace is how long Run keeps delivering after ctx is done.
	ShutdownGrace time.Duration
	// Logger receives the agent's logs (default: discarded).
	Logger *slog.Logger
	// Clock times the uploader's waits and reads the time for the clock
	// offset (default: the real clock).
	Clock Clock
	// HTTPClient sends batches (default: a client with a 30 s timeout).
	HTTPClient *http.Client
	// Updater, when set, is told of the release the server offers in each
	// configuration it sends, and of every request of this version the
	// server accepted (what confirms a new version on trial).
	Updater Updater
}

// Updater follows self-update offers (probe/update); its methods must not
// block.
type Updater interface {
	// Offer is called with the offer of each configuration the server
	// sent; nil when it offers nothing.
	Offer(*probe.UpdateOffer)
	// Reported is called after a configuration poll or an upload the
	// server accepted.
	Reported()
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Interval, DefaultInterval)
	def(&c.Timeout, DefaultTimeout)
	def(&c.BackoffMin, DefaultBackoffMin)
	def(&c.BackoffMax, DefaultBackoffMax)
	def(&c.AuthRetry, DefaultAuthRetry)
	def(&c.ShutdownGrace, DefaultShutdownGrace)
	def(&c.ReachCheck, DefaultReachCheck)
	if c.RefusalsBeforeSplit <= 0 {
		c.RefusalsBeforeSplit = DefaultRefusalsBeforeSplit
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = RealClock{}
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: DefaultRequestTime}
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	return c
}

// Agent runs the scheduler and the uploader over one spool.
type Agent struct {
	cfg     Config
	log     *slog.Logger
	spool   *spool.Spool
	checker *probe.Checker
	// wake tells the uploader that new records were spooled.
	wake chan struct{}
	// clock is the smoothed offset of the server's clock from ours.
	clock clockOffset
	up    uploadState
	// zw and buf compress batches; only the uploader uses them.
	zw  *gzip.Writer
	buf bytes.Buffer
}

// New returns an agent over sp, which the caller opens and closes.
func New(cfg Config, sp *spool.Spool) (*Agent, error) {
	cfg = cfg.withDefaults()
	if cfg.Server == "" {
		return nil, errors.New("agent: server URL is required")
	}
	return &Agent{
		cfg:     cfg,
		log:     cfg.Logger,
		spool:   sp,
		checker: probe.NewChecker(cfg.Timeout, cfg.Clock.Now),
		wake:    make(chan struct{}, 1),
		up:      uploadState{limit: cfg.BatchSize},
	}, nil
}

// Run checks and delivers until ctx is done, then stops the checks, spools
// what was measured and keeps delivering for up to ShutdownGrace.
func (a *Agent) Run(ctx context.Context) error {
	st := a.spool.Stats()
	settings, etag := a.startSettings()
	a.log.Info("agent started", "targets", len(settings.Targets), "interval", settings.Interval.D().String(),
		"server", a.cfg.Server, "central_config", a.cfg.ConfigPoll > 0,
		"spool_depth", st.Depth, "spool_dropped", st.Dropped, "last_seq", st.LastSeq)
	results := make(chan probe.Result, resultBuffer)
	// The writer and uploader outlive ctx so a clean stop spools and
	// delivers what was already measured; they also outlive every change
	// of settings, which restarts only the schedulers.
	keep := context.WithoutCancel(ctx)
	written := make(chan struct{})
	go func() { a.writeLoop(keep, results); close(written) }()
	upCtx, upCancel := context.WithCancel(keep)
	defer upCancel()
	stopping := make(chan struct{})
	uploaded := make(chan struct{})
	go func() { a.uploadLoop(upCtx, stopping); close(uploaded) }()
	updates := make(chan Settings, 1)
	polled := make(chan struct{})
	if a.cfg.ConfigPoll > 0 {
		go func() { a.configLoop(ctx, settings, etag, updates); close(polled) }()
	} else {
		close(polled)
	}

	a.superviseChecks(ctx, settings, updates, results)
	<-polled
	close(results)
	<-written
	close(stopping)
	select {
	case <-uploaded:
	case <-a.cfg.Clock.After(a.cfg.ShutdownGrace):
		upCancel()
		<-uploaded
	}
	st = a.spool.Stats()
	a.log.Info("agent stopped", "spool_depth", st.Depth, "last_seq", st.LastSeq)
	return nil
}

// resultBuffer is how many measured results may wait for the spool writer.
const resultBuffer = 256

// superviseChecks runs one scheduler per target of s until ctx is done.
// Each new settings from updates stops every scheduler (a check cut short
// is not recorded) and starts those of the new settings; it returns once
// the last schedulers have stopped.
func (a *Agent) superviseChecks(ctx context.Context, s Settings, updates <-chan Settings, out chan<- probe.Result) {
	for {
		gen, stop := context.WithCancel(ctx)
		var checks sync.WaitGroup
		for _, t := range s.Targets {
			every := s.Interval.D()
			if t.Interval > 0 {
				every = t.Interval.D()
			}
			checks.Go(func() { a.schedule(gen, t, every, out) })
		}
		select {
		case <-ctx.Done():
			stop()
			checks.Wait()
			return
		case s = <-updates:
			stop()
			checks.Wait()
			a.log.Info("schedulers restarted on the new configuration", "targets", len(s.Targets),
				"interval", s.Interval.D().String())
		}
	}
}

// clockOffsetMS is the smoothed offset in milliseconds (0 when unknown).
func (a *Agent) clockOffsetMS() int64 {
	off, _ := a.clock.get()
	return off.Milliseconds()
}

// Info is the health report sent with every batch.
func (a *Agent) Info() probe.AgentInfo {
	st := a.spool.Stats()
	return probe.AgentInfo{
		Version:       a.cfg.Version,
		OS:            goos,
		Arch:          goarch,
		SpoolDepth:    st.Depth,
		Dropped:       st.Dropped,
		ClockOffsetMS: a.clockOffsetMS(),
	}
}
