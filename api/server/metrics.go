package server

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus series, registered on an injected
// registry (no global state).
type metrics struct {
	accepted   prometheus.Counter
	rejected   *prometheus.CounterVec
	duplicates prometheus.Counter
	latency    *prometheus.HistogramVec
	spoolDepth *prometheus.GaugeVec
	dropped    *prometheus.GaugeVec
	clockSkew  *prometheus.GaugeVec
	handler    gin.HandlerFunc
}

func newMetrics(reg prometheus.Registerer, g prometheus.Gatherer) *metrics {
	m := &metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pantau_results_accepted_total", Help: "Probe results stored."}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pantau_results_rejected_total", Help: "Probe results refused, by field at fault."}, []string{"field"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pantau_results_duplicate_total", Help: "Probe results delivered again and not stored twice."}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pantau_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"method", "route", "status"}),
		spoolDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_probe_spool_depth", Help: "Results waiting in a probe's spool, as it last reported."}, []string{"office", "probe"}),
		dropped: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_probe_dropped_results", Help: "Results a probe dropped from a full spool, as it last reported."}, []string{"office", "probe"}),
		clockSkew: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_probe_clock_offset_seconds", Help: "A probe's clock minus the server's, as it last reported."}, []string{"office", "probe"}),
	}
	reg.MustRegister(m.accepted, m.rejected, m.duplicates, m.latency, m.spoolDepth, m.dropped, m.clockSkew)
	m.handler = gin.WrapH(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return m
}

// observe records each request's latency by route template, not raw path,
// so the series stay few.
func (m *metrics) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.latency.WithLabelValues(c.Request.Method, route, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	}
}
