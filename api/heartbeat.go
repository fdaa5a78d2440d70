package api

import "time"

// Heartbeat is one check of a target as the office page's heartbeat bars
// show it (the last checks of each target, oldest first).
type Heartbeat struct {
	TargetID   int64     `json:"target_id"`
	ProbeID    int64     `json:"probe_id"`
	ObservedAt time.Time `json:"observed_at"`
	OK         bool      `json:"ok"`
	// Failure is the failed step (dns, connect, tls, http, timeout); empty
	// when OK.
	Failure   string  `json:"failure,omitempty"`
	LatencyMS float64 `json:"latency_ms"`
}
