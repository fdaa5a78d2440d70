package api

import "time"

// RetentionPolicy says how long raw results and rollups are kept.
type RetentionPolicy struct {
	// RawDays is how many UTC days of raw results are kept (at least 2).
	RawDays int `json:"raw_days"`
	// RollupDays is how many days of hourly rollups are kept; 0 keeps them.
	RollupDays int       `json:"rollup_days"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Rollup is one office's probe's checks of one target in one UTC hour.
// Latencies are of successful checks and nil in an hour without one.
type Rollup struct {
	OfficeCode string    `json:"office_code"`
	ProbeID    int64     `json:"probe_id"`
	TargetID   int64     `json:"target_id"`
	Hour       time.Time `json:"hour"`
	Checks     int       `json:"checks"`
	Failures   int       `json:"failures"`
	P50        *float32  `json:"latency_p50_ms"`
	P95        *float32  `json:"latency_p95_ms"`
	P99        *float32  `json:"latency_p99_ms"`
	Max        *float32  `json:"latency_max_ms"`
}

// RollupRefresh says what one refresh did.
type RollupRefresh struct {
	// Before is the end of the closed hours the refresh took marks of.
	Before time.Time
	// Hours is how many (office, probe, target, hour) rows were recomputed.
	Hours int64
}
