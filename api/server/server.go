// Package server assembles Pantau's HTTP server: the Gin engine, its
// middleware and routes.go, the one table of routes grouped by audience.
// The handlers are api/httpapi's (JSON and agent API) and api/webui's
// (pages, prints, exports); api/auth says who is asking.
package server

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/httpapi"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/webui"
)

// Config holds the HTTP layer's tunables; zero values take the defaults.
type Config struct {
	// Limits bound what the agent API accepts (body size, batch size,
	// observations from the future).
	httpapi.Limits
	// Web configures sessions and cookies of the pages.
	Web auth.Config
	// Metrics says where /metrics is served and who may read it.
	Metrics MetricsConfig
}

// MetricsConfig places /metrics: it lists every probe's office, spool and
// clock, so it is either on its own address (OwnListener: serve's
// -metrics-addr, reached through MetricsHandler) or behind a token.
type MetricsConfig struct {
	// OwnListener leaves /metrics off the main address.
	OwnListener bool
	// Token, when set, is required as `Authorization: Bearer` wherever
	// /metrics is served.
	Token string
}

// Server is Pantau's HTTP server: the JSON API, the agent API and the
// pages on one Gin engine.
type Server struct {
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	engine  *gin.Engine
	mounts  []Mount
	guard   *auth.Guard
	api     *httpapi.API
	pages   *webui.Pages
	cfg     Config
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
	s := &Server{log: log, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	s.metrics = newMetrics(reg, gatherer)
	// The guard shows a refusal on a page as the pages' error page.
	s.guard = auth.New(store, cfg.Web, s.now, log, func(c *gin.Context, err error) { s.pages.RenderError(c, err) })
	s.pages = webui.New(store, s.guard, log, s.now)
	s.api = httpapi.New(cfg.Limits, store, s.guard, log, s.now, reg)
	s.cfg = cfg
	s.engine = s.routes()
	return s
}

// MetricsHandler serves /metrics for a listener of its own, with the
// token check when one is set.
func (s *Server) MetricsHandler() http.Handler {
	r := gin.New()
	r.Use(gin.Recovery(), securityHeaders())
	r.GET("/metrics", metricsAuth(s.cfg.Metrics.Token), s.metrics.handler)
	return r
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

// MonthlyReports returns the monthly report job of the server's pages;
// call Start.
func (s *Server) MonthlyReports(cfg webui.MonthlyConfig) *webui.MonthlyReports {
	return s.pages.MonthlyReports(cfg)
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
