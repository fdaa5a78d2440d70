// Package server is Pantau's HTTP layer: Gin routes, handlers, probe and user
// authentication, and the one mapping from api.Error codes to statuses.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api/ingest"
	"github.com/pantau-id/pantau/api/postgres"
)

// Config holds the HTTP layer's tunables; zero values take the defaults.
type Config struct {
	// MaxBodyBytes bounds a request body, compressed and decompressed (413 past it).
	MaxBodyBytes int64
	// FutureTolerance is how far ahead of the server's clock an observation
	// may be; probes' clocks drift, but a result from tomorrow is a bug.
	FutureTolerance time.Duration
	// MaxBatch bounds the number of results in one batch.
	MaxBatch int
	// Web configures sessions and cookies of the pages.
	Web WebConfig
}

// Defaults for Config.
const (
	DefaultMaxBodyBytes    = 4 << 20
	DefaultFutureTolerance = 15 * time.Minute
	DefaultMaxBatch        = 5000
)

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.FutureTolerance <= 0 {
		c.FutureTolerance = DefaultFutureTolerance
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = DefaultMaxBatch
	}
	return c
}

// Server serves Pantau's HTTP API.
type Server struct {
	cfg     Config
	store   *postgres.Store
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	engine  *gin.Engine
	mounts  []Mount
	// enrolLimit slows guessing of short enrolment codes.
	enrolLimit *attemptLimiter
	// kept caches the retention window for ingest's age check.
	kept *keptSince
	// decoder and bodies read ingest batches (ingest.go).
	decoder ingest.Decoder
	bodies  bodyReader
}

// Mount is an extra handler a service contributes (Slack interactivity, pages).
type Mount struct {
	Method, Path string
	Handler      http.Handler
}

// Option configures a Server.
type Option func(*Server)

// WithClock replaces time.Now (tests).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithMount adds a handler at method and path.
func WithMount(m Mount) Option { return func(s *Server) { s.mounts = append(s.mounts, m) } }

// New builds the server and its routes. reg receives the server's metrics.
func New(cfg Config, store *postgres.Store, log *slog.Logger, reg prometheus.Registerer, gatherer prometheus.Gatherer, opts ...Option) *Server {
	s := &Server{cfg: cfg.withDefaults(), store: store, log: log, now: time.Now, enrolLimit: newAttemptLimiter(10, time.Minute), kept: &keptSince{}}
	for _, o := range opts {
		o(s)
	}
	s.metrics = newMetrics(reg, gatherer)
	s.engine = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.engine.ServeHTTP(w, r) }

// Routes lists method and path of every registered route (for the OpenAPI test).
func (s *Server) Routes() [][2]string {
	var out [][2]string
	for _, r := range s.engine.Routes() {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}

// Serve listens on addr until ctx ends, then shuts down gracefully.
func Serve(ctx context.Context, srv *http.Server, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	log.Info("http shutting down", "addr", srv.Addr)
	return srv.Shutdown(shutdownCtx)
}
