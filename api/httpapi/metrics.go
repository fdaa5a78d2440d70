package httpapi

import "github.com/prometheus/client_golang/prometheus"

// metrics are ingest's Prometheus series, registered on an injected
// registry (no global state).
type metrics struct {
	accepted   prometheus.Counter
	rejected   *prometheus.CounterVec
	duplicates prometheus.Counter
	spoolDepth *prometheus.GaugeVec
	dropped    *prometheus.GaugeVec
	clockSkew  *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pantau_results_accepted_total", Help: "Probe results stored."}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pantau_results_rejected_total", Help: "Probe results refused, by field at fault."}, []string{"field"}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pantau_results_duplicate_total", Help: "Probe results delivered again and not stored twice."}),
		spoolDepth: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_probe_spool_depth", Help: "Results waiting in a probe's spool, as it last reported."}, []string{"office", "probe"}),
		dropped: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_probe_dropped_results", Help: "Results a probe dropped from a full spool, as it last reported."}, []string{"office", "probe"}),
		clockSkew: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_probe_clock_offset_seconds", Help: "A probe's clock minus the server's, as it last reported."}, []string{"office", "probe"}),
	}
	reg.MustRegister(m.accepted, m.rejected, m.duplicates, m.spoolDepth, m.dropped, m.clockSkew)
	return m
}
