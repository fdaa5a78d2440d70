package server

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the HTTP layer's Prometheus series (ingest's are
// api/httpapi's), registered on an injected registry (no global state).
type metrics struct {
	latency *prometheus.HistogramVec
	handler gin.HandlerFunc
}

func newMetrics(reg prometheus.Registerer, g prometheus.Gatherer) *metrics {
	m := &metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pantau_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}}, []string{"method", "route", "status"}),
	}
	reg.MustRegister(m.latency)
	m.handler = gin.WrapH(promhttp.HandlerFor(g, promhttp.HandlerOpts{}))
	return m
}

// observe records each request's latency by route template, not raw path,
// and by known method (others are "other"), so the series stay few
// whatever a caller sends.
func (m *metrics) observe() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.latency.WithLabelValues(methodLabel(c.Request.Method), route, strconv.Itoa(c.Writer.Status())).Observe(time.Since(start).Seconds())
	}
}
