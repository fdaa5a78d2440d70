package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
)

// serveConfig is everything `pantau serve` needs, from flags and environment.
type serveConfig struct {
	db        dbFlags
	addr      string
	noMigrate bool
	logFormat string
	logLevel  string
	http      server.Config
}

func (c *serveConfig) register(fs *flag.FlagSet) {
	c.db.register(fs)
	fs.StringVar(&c.addr, "addr", envOr("PANTAU_ADDR", "127.0.0.1:8080"), "listen address (env PANTAU_ADDR)")
	fs.BoolVar(&c.noMigrate, "no-migrate", false, "do not apply pending migrations at start")
	fs.StringVar(&c.logFormat, "log-format", envOr("PANTAU_LOG_FORMAT", "text"), "log format: text or json (env PANTAU_LOG_FORMAT)")
	fs.StringVar(&c.logLevel, "log-level", envOr("PANTAU_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env PANTAU_LOG_LEVEL)")
	fs.Int64Var(&c.http.MaxBodyBytes, "max-body", server.DefaultMaxBodyBytes, "largest request body in bytes, compressed or not (413 past it)")
	fs.DurationVar(&c.http.FutureTolerance, "future-tolerance", server.DefaultFutureTolerance, "how far ahead of the server's clock a result may be observed")
}

// Validate names the first bad setting.
func (c *serveConfig) Validate() error {
	if _, _, err := net.SplitHostPort(c.addr); err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	if c.http.MaxBodyBytes < 1024 {
		return fmt.Errorf("-max-body: %d is too small (at least 1024)", c.http.MaxBodyBytes)
	}
	return nil
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
	if err := cfg.Validate(); err != nil {
		return err
	}
	log, err := newLogger(stderr, cfg.logFormat, cfg.logLevel)
	if err != nil {
		return err
	}
	app, err := newApp(ctx, cfg, log)
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
	log     *slog.Logger
}

func newApp(ctx context.Context, cfg serveConfig, log *slog.Logger) (*app, error) {
	store, err := cfg.db.open(ctx, log)
	if err != nil {
		return nil, err
	}
	if !cfg.noMigrate {
		if err := postgres.Migrate(ctx, store.Pool()); err != nil {
			store.Close()
			return nil, err
		}
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv := server.New(cfg.http, store, log, reg, reg)
	return &app{store: store, handler: srv, log: log}, nil
}

// Run serves on ln until ctx ends.
func (a *app) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
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
