// Package httpapi is Pantau's JSON API: the agent's (ingest, central
// configuration, enrolment; probe tokens) and the one for people and
// scripts (offices, detection, reports, intake, settings; sessions through
// api/auth). Routes are assembled in api/server.
package httpapi

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/httperr"
	"github.com/pantau-id/pantau/api/ingest"
	"github.com/pantau-id/pantau/api/postgres"
)

// Limits bound what the agent API accepts; zero values take the defaults.
type Limits struct {
	// MaxBodyBytes bounds a request body, compressed and decompressed (413 past it).
	MaxBodyBytes int64
	// FutureTolerance is how far ahead of the server's clock an observation
	// may be; probes' clocks drift, but a result from tomorrow is a bug.
	FutureTolerance time.Duration
	// MaxBatch bounds the number of results in one batch.
	MaxBatch int
}

// Defaults for Limits.
const (
	DefaultMaxBodyBytes    = 4 << 20
	DefaultFutureTolerance = 15 * time.Minute
	DefaultMaxBatch        = 5000
)

func (c Limits) withDefaults() Limits {
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

// API serves the JSON routes.
type API struct {
	cfg     Limits
	store   *postgres.Store
	guard   *auth.Guard
	log     *slog.Logger
	now     func() time.Time
	metrics *metrics
	// enrolLimit slows guessing of short enrolment codes.
	enrolLimit *attemptLimiter
	// kept caches the retention window for ingest's age check.
	kept *keptSince
	// decoder and bodies read ingest batches (ingest.go).
	decoder ingest.Decoder
	bodies  bodyReader
}

// New returns the JSON API; reg receives the ingest metrics.
func New(cfg Limits, store *postgres.Store, guard *auth.Guard, log *slog.Logger, now func() time.Time, reg prometheus.Registerer) *API {
	return &API{cfg: cfg.withDefaults(), store: store, guard: guard, log: log, now: now, metrics: newMetrics(reg),
		enrolLimit: newAttemptLimiter(10, time.Minute), kept: &keptSince{}}
}

// JSON adapts a handler of this API: its error becomes the JSON error body.
func (s *API) JSON(h httperr.HandlerFunc) gin.HandlerFunc { return httperr.JSON(s.log, h) }
