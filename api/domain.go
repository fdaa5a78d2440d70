package api

import (
	"time"

	"github.com/pantau-id/pantau/probe"
)

// Province is one of Indonesia's 38 provinces.
type Province struct {
	Code       string  `json:"code"`
	Name       string  `json:"name"`
	Capital    string  `json:"capital"`
	TZ         string  `json:"tz"`
	Lat        float64 `json:"lat"`
	Lon        float64 `json:"lon"`
	Population int64   `json:"population"`
}

// Office is one kota/kabupaten Disdukcapil, keyed by its Kemendagri code.
type Office struct {
	Code         string  `json:"code"`
	Name         string  `json:"name"`
	ProvinceCode string  `json:"province_code"`
	Kind         string  `json:"kind"` // kota or kabupaten
	TZ           string  `json:"tz"`
	Lat          float64 `json:"lat"`
	Lon          float64 `json:"lon"`
	Population   int64   `json:"population"`
}

// Thresholds are a target's detection rules (DESIGN.md "Detection").
type Thresholds struct {
	Fail         int `json:"fail_threshold"`
	Recover      int `json:"recover_threshold"`
	SilenceAfter int `json:"silence_after"` // in intervals
}

// DefaultThresholds are the defaults DESIGN.md fixes.
var DefaultThresholds = Thresholds{Fail: 3, Recover: 2, SilenceAfter: 3}

// Target is something an office's probe checks, as the server keeps it.
type Target struct {
	ID         int64         `json:"id"`
	OfficeCode string        `json:"office_code"`
	Spec       probe.Target  `json:"spec"`
	Interval   time.Duration `json:"interval_ns"`
	Thresholds Thresholds    `json:"thresholds"`
}

// Probe is one agent at one office.
type Probe struct {
	ID            int64      `json:"id"`
	OfficeCode    string     `json:"office_code"`
	Name          string     `json:"name"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	LastSeenAt    *time.Time `json:"last_seen_at,omitempty"`
	AgentVersion  string     `json:"agent_version"`
	AgentOS       string     `json:"agent_os"`
	AgentArch     string     `json:"agent_arch"`
	SpoolDepth    int64      `json:"spool_depth"`
	Dropped       int64      `json:"dropped"`
	ClockOffsetMS int64      `json:"clock_offset_ms"`
	// UpdateFailed is the release version the agent rolled back from.
	UpdateFailed string `json:"update_failed,omitempty"`
}

// IngestItem is one validated result ready to store.
type IngestItem struct {
	TargetID int64
	Result   probe.Result
}

// IngestOutcome counts what a stored batch did.
type IngestOutcome struct {
	Accepted   int
	Duplicates int
	// Conflicts are items whose (probe, seq) was already stored, or came
	// earlier in the batch, with another observed_at: not stored.
	Conflicts []IngestConflict
}

// IngestConflict is one item refused because its seq is taken.
type IngestConflict struct {
	Item       int       // position in the items given to the store
	ObservedAt time.Time // the observed_at the seq already has
}
