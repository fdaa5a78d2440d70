package agent

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
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
	// Targets are what this probe checks.
	Targets []probe.Target
	// Version is reported to the server in every batch.
	Version string
	// BackoffMin and BackoffMax bound the exponential backoff after network
	// errors and 5xx answers.
	BackoffMin, BackoffMax time.Duration
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
	// offsetMS is the last clock offset measured against the server.
	offsetMS atomic.Int64
	up       uploadState
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
	a.log.Info("agent started", "targets", len(a.cfg.Targets), "interval", a.cfg.Interval.String(),
		"server", a.cfg.Server, "spool_depth", st.Depth, "spool_dropped", st.Dropped, "last_seq", st.LastSeq)
	results := make(chan probe.Result, 4*len(a.cfg.Targets)+1)
	var checks sync.WaitGroup
	for _, t := range a.cfg.Targets {
		checks.Go(func() { a.schedule(ctx, t, results) })
	}
	// The writer and uploader outlive ctx so a clean stop spools and
	// delivers what was already measured.
	keep := context.WithoutCancel(ctx)
	written := make(chan struct{})
	go func() { a.writeLoop(keep, results); close(written) }()
	upCtx, upCancel := context.WithCancel(keep)
	defer upCancel()
	stopping := make(chan struct{})
	uploaded := make(chan struct{})
	go func() { a.uploadLoop(upCtx, stopping); close(uploaded) }()

	<-ctx.Done()
	checks.Wait()
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

// Info is the health report sent with every batch.
func (a *Agent) Info() probe.AgentInfo {
	st := a.spool.Stats()
	return probe.AgentInfo{
		Version:       a.cfg.Version,
		OS:            goos,
		Arch:          goarch,
		SpoolDepth:    st.Depth,
		Dropped:       st.Dropped,
		ClockOffsetMS: a.offsetMS.Load(),
	}
}
