package detect

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Lag is how far detection is behind.
type Lag struct {
	// Oldest is now − the earliest observation not yet evaluated
	// (min(from_at) over the queue): results from a spool count with their
	// own age, so this is large for a moment when a spool arrives.
	Oldest time.Duration
	// Waiting is how long the longest-queued series has waited (now − its
	// first queued time): detection falling behind shows here.
	Waiting time.Duration
	// Queued counts the series waiting.
	Queued int
}

// LagCollector exports the lag, read once per scrape (bounded by 2 s):
//
//	pantau_detection_lag_seconds          now − the oldest unevaluated observation
//	pantau_detection_queue_wait_seconds   how long the longest-queued series has waited
//	pantau_detection_queued_series        series waiting for detection
//
// A failed read exports nothing for that scrape.
type LagCollector struct {
	read                    func(ctx context.Context, now time.Time) (Lag, error)
	oldest, waiting, queued *prometheus.Desc
}

// NewLagCollector reads the lag with read (postgres.Store.DetectionLag).
func NewLagCollector(read func(ctx context.Context, now time.Time) (Lag, error)) *LagCollector {
	return &LagCollector{read: read,
		oldest: prometheus.NewDesc("pantau_detection_lag_seconds",
			"Now minus the oldest observation not yet evaluated by detection.", nil, nil),
		waiting: prometheus.NewDesc("pantau_detection_queue_wait_seconds",
			"How long the longest-queued series has waited for detection.", nil, nil),
		queued: prometheus.NewDesc("pantau_detection_queued_series", "Series waiting for detection.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.oldest
	ch <- c.waiting
	ch <- c.queued
}

// Collect implements prometheus.Collector.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	l, err := c.read(ctx, time.Now())
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, l.Oldest.Seconds())
	ch <- prometheus.MustNewConstMetric(c.waiting, prometheus.GaugeValue, l.Waiting.Seconds())
	ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(l.Queued))
}
