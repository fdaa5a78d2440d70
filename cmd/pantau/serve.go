package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/escalate"
	"github.com/pantau-id/pantau/api/httpapi"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/api/retention"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/api/webui"
	"github.com/pantau-id/pantau/report/calendar"
)

// serveConfig is everything `pantau serve` needs, from flags and environment.
type serveConfig struct {
	// secretErrs are unreadable *_FILE secrets by flag name: start fails
	// on them unless the flag itself was given.
	secretErrs map[string]error
	db         dbFlags
	addr       string
	noMigrate  bool
	logFormat  string
	logLevel   string
	http       server.Config
	detectTick time.Duration
	slack      slackFlags
	// loginSlots bounds concurrent password hashes (64 MiB each).
	loginSlots int
	// trustedProxies is -trusted-proxies as given.
	trustedProxies string
	// metricsAddr serves /metrics on its own address when set.
	metricsAddr  string
	metricsToken string
	// publicURL is where people open Pantau, for links in alerts.
	publicURL string
}

// slackFlags configure escalation. Without a token, alerts are still
// written to the outbox and go out once a token is set.
type slackFlags struct {
	token         string
	signingSecret string
	apiURL        string
	policyFile    string
	// Timing of the sender, for fault tests that compress time.
	requestTimeout time.Duration
	lease          time.Duration
	backoffMax     time.Duration
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.db.register(fs)
	fs.StringVar(&c.addr, "addr", envOr("PANTAU_ADDR", "127.0.0.1:8080"), "listen address (env PANTAU_ADDR)")
	fs.BoolVar(&c.noMigrate, "no-migrate", false, "do not apply pending migrations at start")
	fs.StringVar(&c.logFormat, "log-format", envOr("PANTAU_LOG_FORMAT", "text"), "log format: text or json (env PANTAU_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", envOr("PANTAU_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env PANTAU_LOG_LEVEL)")
	fs.Int64Var(&c.http.MaxBodyBytes, "max-body", httpapi.DefaultMaxBodyBytes, "largest request body in bytes, compressed or not (413 past it)")
	fs.DurationVar(&c.http.FutureTolerance, "future-tolerance", httpapi.DefaultFutureTolerance, "how far ahead of the server's clock a result may be observed")
	fs.StringVar(&c.http.Web.SecureCookies, "secure-cookies", envOr("PANTAU_SECURE_COOKIES", "auto"), "mark cookies Secure: auto (over TLS or X-Forwarded-Proto: https), always, never")
	fs.DurationVar(&c.http.Web.SessionTTL, "session-ttl", 12*time.Hour, "how long a login lasts")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", os.Getenv("PANTAU_TRUSTED_PROXIES"), "reverse proxies whose X-Forwarded-For names the client for login and enrolment throttles: addresses or CIDR prefixes, comma-separated (env PANTAU_TRUSTED_PROXIES); none by default")
	fs.StringVar(&c.metricsAddr, "metrics-addr", os.Getenv("PANTAU_METRICS_ADDR"), "serve /metrics on this address only (e.g. 127.0.0.1:9100), not on -addr (env PANTAU_METRICS_ADDR)")
	fs.StringVar(&c.metricsToken, "metrics-token", c.secretEnv("metrics-token", "PANTAU_METRICS_TOKEN"), "require 'Authorization: Bearer <token>' on /metrics (env PANTAU_METRICS_TOKEN or PANTAU_METRICS_TOKEN_FILE)")
	fs.IntVar(&c.loginSlots, "login-concurrency", postgres.DefaultHashSlots(), "password hashes at once (64 MiB each; sized from GOMEMLIMIT, else 2); a login that finds none free in 2 s gets 429")
	fs.StringVar(&c.publicURL, "public-url", os.Getenv("PANTAU_PUBLIC_URL"), "where people open Pantau, e.g. https://pantau.example.go.id (env PANTAU_PUBLIC_URL): Slack alerts link to the incident's page under it; empty: no link")
	fs.DurationVar(&c.detectTick, "detect-tick", time.Second, "how often the detector evaluates new results (bounds the delay from result to outage)")
	fs.StringVar(&c.slack.token, "slack-token", c.secretEnv("slack-token", "SLACK_BOT_TOKEN"), "Slack bot token xoxb-… (env SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE); empty keeps alerts in the outbox")
	fs.StringVar(&c.slack.signingSecret, "slack-signing-secret", c.secretEnv("slack-signing-secret", "SLACK_SIGNING_SECRET"), "Slack signing secret for the Acknowledge button (env SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE)")
	fs.StringVar(&c.slack.apiURL, "slack-api-url", os.Getenv("SLACK_API_URL"), "Slack Web API base URL ending in / (tests and proxies; default Slack's)")
	fs.DurationVar(&c.slack.requestTimeout, "slack-request-timeout", 15*time.Second, "bound of one Slack call: a hung call fails after it and holds only its channel")
	fs.DurationVar(&c.slack.lease, "slack-lease", 2*time.Minute, "how long a replica owns a message it is sending (at least -slack-request-timeout + 1s)")
	fs.DurationVar(&c.slack.backoffMax, "slack-backoff-max", 5*time.Minute, "longest wait between retries of a failing Slack message")
	fs.StringVar(&c.slack.policyFile, "escalation-policy", os.Getenv("PANTAU_ESCALATION_POLICY"), "YAML file of Slack channels and escalation policy, stored at start (default: the stored policy)")
}

// Validate names the first bad setting.
func (c *serveConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if c.http.MaxBodyBytes < 1024 {
		return fmt.Errorf("-max-body: %d is too small (at least 1024)", c.http.MaxBodyBytes)
	}
	switch c.http.Web.SecureCookies {
	case "auto", "always", "never":
	default:
		return fmt.Errorf("-secure-cookies: %q is not auto, always or never", c.http.Web.SecureCookies)
	}
	if c.http.Web.SessionTTL < time.Minute {
		return fmt.Errorf("-session-ttl: %s is too short", c.http.Web.SessionTTL)
	}
	if c.detectTick <= 0 {
		return fmt.Errorf("-detect-tick: must be positive")
	}
	webURL, err := escalate.CheckWebURL(c.publicURL)
	if err != nil {
		return fmt.Errorf("-public-url: %w", err)
	}
	c.publicURL = webURL
	if c.metricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.metricsAddr); err != nil {
			return fmt.Errorf("-metrics-addr: %w", err)
		}
	}
	c.http.Metrics = server.MetricsConfig{OwnListener: c.metricsAddr != "", Token: c.metricsToken}
	proxies, err := auth.ParseProxies(c.trustedProxies)
	if err != nil {
		return fmt.Errorf("-trusted-proxies: %w", err)
	}
	c.http.Web.TrustedProxies = proxies
	if c.loginSlots < 1 || c.loginSlots > 64 {
		return fmt.Errorf("-login-concurrency: %d, want 1 to 64", c.loginSlots)
	}
	if c.slack.apiURL != "" && !strings.HasSuffix(c.slack.apiURL, "/") {
		return fmt.Errorf("-slack-api-url: must end in /")
	}
	return nil
}

// secretEnv reads a secret from env name, else from the file env name_FILE
// names. A file that cannot be read is an error at start (a mis-mounted
// secret must not pass for an unset one), kept for flag.
func (c *serveConfig) secretEnv(flag, name string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	f := os.Getenv(name + "_FILE")
	if f == "" {
		return ""
	}
	b, err := os.ReadFile(f)
	if err != nil {
		if c.secretErrs == nil {
			c.secretErrs = map[string]error{}
		}
		c.secretErrs[flag] = fmt.Errorf("%s_FILE: %w", name, err)
		return ""
	}
	return strings.TrimSpace(string(b))
}

// checkSecrets fails on an unreadable secret file whose flag was not given.
func (c *serveConfig) checkSecrets(fs *flag.FlagSet) error {
	fs.Visit(func(f *flag.Flag) { delete(c.secretErrs, f.Name) })
	var errs []error
	for _, err := range c.secretErrs {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg serveConfig
	cfg.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: pantau serve [flags]\n\nRuns the HTTP API (ingest, reports, pages) and the background services.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.checkSecrets(fs); err != nil {
		return err
	}
	app, err := cfg.start(ctx, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	fmt.Fprintf(stdout, "Pantau listening on http://%s\n", ln.Addr())
	return app.Run(ctx, ln)
}

// app is the wired server: store, HTTP handler and background services.
type app struct {
	store   *postgres.Store
	handler http.Handler
	// metrics and metricsAddr: /metrics on its own listener (-metrics-addr).
	metrics     http.Handler
	metricsAddr string
	log         *slog.Logger
	services    []func(context.Context)
}

// start validates the parsed flags, makes the logger and wires the app:
// what serve and demo share.
func (c serveConfig) start(ctx context.Context, stderr io.Writer) (*app, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	log, err := newLogger(stderr, c.logFormat, c.logLevel)
	if err != nil {
		return nil, err
	}
	return newApp(ctx, c, log)
}

func newApp(ctx context.Context, cfg serveConfig, log *slog.Logger) (*app, error) {
	store, err := cfg.db.open(ctx, log)
	if err != nil {
		return nil, err
	}
	a, err := wire(ctx, cfg, store, log)
	if err != nil {
		store.Close()
		return nil, err
	}
	return a, nil
}

// detectConns is the size of the detector's own pool: its 4 workers (the
// incident pass runs after them).
const detectConns = 4

// wire builds the server and its background services over store.
func wire(ctx context.Context, cfg serveConfig, store *postgres.Store, log *slog.Logger) (*app, error) {
	store.SetHashGate(postgres.NewHashGate(cfg.loginSlots, postgres.DefaultHashWait))
	if !cfg.noMigrate {
		if err := store.Migrate(ctx); err != nil {
			return nil, err
		}
	}
	// The shipped national holidays, for the years not in the database yet
	// (an imported year is never overwritten).
	hs, err := calendar.National()
	if err != nil {
		return nil, err
	}
	years, err := store.SeedHolidays(ctx, hs)
	if err != nil {
		return nil, err
	}
	if len(years) > 0 {
		log.Info("national holidays loaded", "years", years)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a := &app{store: store, log: log}

	// Escalation: the detector's incident changes write the Slack outbox in
	// their own transaction; the sender delivers it when a token is set.
	if cfg.slack.policyFile != "" {
		pol, err := escalate.LoadPolicyFile(cfg.slack.policyFile)
		if err != nil {
			return nil, fmt.Errorf("-escalation-policy: %w", err)
		}
		if err := escalate.SavePolicy(ctx, store.Escalation(), pol); err != nil {
			return nil, err
		}
	}
	escMetrics := escalate.NewMetrics(reg)
	// Recovery notices carry the backlog and overtime estimate of the report model.
	esc := escalate.New(store.Escalation(), escalate.Options{Logger: log.With("component", "escalate"), Estimator: escalate.EstimateWith(reportdata.Estimator(store)),
		Promiser: reportdata.EscalationPromiser(store, nil), WebURL: cfg.publicURL})
	a.services = append(a.services, esc.Start)
	var opts []server.Option
	var names *escalate.UserNames
	if cfg.slack.token != "" {
		slackCfg := escalate.Config{Token: cfg.slack.token, APIURL: cfg.slack.apiURL,
			RequestTimeout: cfg.slack.requestTimeout, Lease: cfg.slack.lease, BackoffMax: cfg.slack.backoffMax,
			Logger: log.With("component", "slack"), Metrics: escMetrics}
		if err := slackCfg.Validate(); err != nil {
			return nil, err
		}
		sender := escalate.NewSender(store.Escalation(), slackCfg)
		names = escalate.NewUserNames(store.Escalation(), slackCfg)
		a.services = append(a.services, sender.Start)
	} else {
		log.Warn("Slack is not configured (-slack-token): alerts wait in the outbox until it is")
	}
	if cfg.slack.signingSecret != "" {
		opts = append(opts, server.WithMount(server.Mount{Method: http.MethodPost, Path: "/slack/interactivity",
			Handler: escalate.InteractivityHandler(escalate.InteractivityConfig{SigningSecret: cfg.slack.signingSecret,
				Escalator: esc, Names: names, Metrics: escMetrics, Logger: log.With("component", "slack")})}))
	}

	// Detection has connections of its own, so ingest at full load cannot
	// starve it, and is woken by every ingest commit (its own process's,
	// and other replicas' through LISTEN/NOTIFY).
	detection, err := store.OpenDetection(ctx, esc.Hook, detectConns)
	if err != nil {
		return nil, err
	}
	// The re-open window is the stored escalation policy's (its file's, or
	// the default).
	escPol, err := store.Escalation().Policy(ctx)
	if err != nil {
		return nil, err
	}
	// Recovery estimates run after the incident transaction commits, from
	// its committed state, not under the detector's incident lock.
	det, err := detect.New(detection, detect.Config{Tick: cfg.detectTick, Waker: detection, Logger: log.With("component", "detect"),
		AfterIncidents: esc.AfterIncidents,
		Incidents:      detect.IncidentRules{Reopen: escPol.ReopenWindow}})
	if err != nil {
		detection.Close()
		return nil, err
	}
	reg.MustRegister(detect.NewLagCollector(store.DetectionLag))
	a.services = append(a.services, func(ctx context.Context) { det.Start(ctx); detection.Close() })
	ret := retention.New(store, retention.Config{Logger: log.With("component", "retention")})
	a.services = append(a.services, ret.Start)
	// Province and national reports sum each office's stored period; this
	// rebuilds the periods an input change marked.
	a.services = append(a.services, reportdata.NewRefresher(store, reportdata.RefreshConfig{Logger: log.With("component", "reports")}).Start)

	srv := server.New(cfg.http, store, log, reg, reg, opts...)
	a.services = append(a.services, srv.MonthlyReports(webui.MonthlyConfig{Logger: log.With("component", "monthly")}).Start)
	a.handler = srv
	if cfg.metricsAddr != "" {
		a.metrics, a.metricsAddr = srv.MetricsHandler(), cfg.metricsAddr
	}
	return a, nil
}

// Run starts the background services and serves on ln until ctx ends,
// then waits for the services to stop.
func (a *app) Run(ctx context.Context, ln net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	defer wg.Wait()
	// Some services' Start blocks until ctx ends, others start their own
	// goroutine; running each in one covers both.
	for _, start := range a.services {
		wg.Add(1)
		go func() { defer wg.Done(); start(ctx) }()
	}
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute}
	errc := make(chan error, 2)
	go func() { errc <- srv.Serve(ln) }()
	if a.metricsAddr != "" {
		mln, err := net.Listen("tcp", a.metricsAddr)
		if err != nil {
			return fmt.Errorf("-metrics-addr: %w", err)
		}
		msrv := &http.Server{Handler: a.metrics, ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- msrv.Serve(mln) }()
		defer msrv.Close()
		a.log.Info("metrics listening", "addr", mln.Addr().String())
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a.log.Info("shutting down")
	return srv.Shutdown(shutdown)
}

// Close releases the database.
func (a *app) Close() { a.store.Close() }
