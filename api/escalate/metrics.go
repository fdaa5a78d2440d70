package escalate

import "github.com/prometheus/client_golang/prometheus"

// Metrics are escalation's Prometheus series. One value is shared by the
// Sender and the interactivity handler.
type Metrics struct {
	sent         *prometheus.CounterVec
	failures     *prometheus.CounterVec
	givenUp      prometheus.Counter
	deduplicated prometheus.Counter
	outbox       *prometheus.GaugeVec
	interactions *prometheus.CounterVec
}

// NewMetrics creates the series and registers them with reg; a nil reg
// keeps them unregistered (tests, or a caller that does not export them).
//
//	pantau_escalation_messages_sent_total{kind}        messages Slack accepted
//	pantau_escalation_send_failures_total{reason}      rate_limited, slack_error, transport
//	pantau_escalation_messages_given_up_total          messages that gave up
//	pantau_escalation_duplicates_avoided_total         posts found already in Slack on retry
//	pantau_escalation_outbox_messages{status}          rows pending, sending, given_up
//	pantau_slack_interactions_total{result}            acknowledged, bad_signature, replayed, invalid, ignored, error
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		sent: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pantau_escalation_messages_sent_total", Help: "Slack messages posted or updated, by kind.",
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pantau_escalation_send_failures_total", Help: "Failed Slack calls, by reason (each is retried).",
		}, []string{"reason"}),
		givenUp: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pantau_escalation_messages_given_up_total", Help: "Outbox messages that gave up after their last retry.",
		}),
		deduplicated: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "pantau_escalation_duplicates_avoided_total",
			Help: "Retried posts found already in the channel by their idempotency key, so not posted again.",
		}),
		outbox: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "pantau_escalation_outbox_messages", Help: "Outbox rows by status (pending, sending, given_up).",
		}, []string{"status"}),
		interactions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pantau_slack_interactions_total", Help: "Slack interactivity requests, by result.",
		}, []string{"result"}),
	}
	if reg != nil {
		reg.MustRegister(m.sent, m.failures, m.givenUp, m.deduplicated, m.outbox, m.interactions)
	}
	return m
}
