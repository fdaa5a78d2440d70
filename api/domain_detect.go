package api

import "time"

// State is the link state of a series, an office or a timeline interval.
type State string

// States. Unknown is never counted as up or down (DESIGN.md).
const (
	StateUp          State = "up"
	StateDown        State = "down"
	StateUnknown     State = "unknown"
	StateMaintenance State = "maintenance"
)

// Cause says why a down outage happened.
type Cause string

// Causes. CauseUnknown marks an unknown span (the probe is silent) and a down
// outage over which the office's internet reference was not measured enough
// to tell central from local.
const (
	CauseCentral Cause = "central"
	CauseLocal   Cause = "local"
	CauseUnknown Cause = "unknown"
)

// Span kinds stored in outages.
const (
	KindDown    = "down"
	KindUnknown = "unknown"
)

// How a stored span ended. Empty while it is open.
const (
	EndedByRecovery = "recovery" // recover_threshold consecutive successes
	EndedBySilence  = "silence"  // the probe went silent; unknown follows
	EndedByData     = "data"     // an unknown span ended by the next result
)

// Outage is one down or unknown span of one (probe, target) series.
// EndedAt is nil while it is open.
type Outage struct {
	OfficeCode   string     `json:"office_code"`
	ProvinceCode string     `json:"province_code"`
	ProbeID      int64      `json:"probe_id"`
	TargetID     int64      `json:"target_id"`
	TargetName   string     `json:"target_name"`
	TargetKind   string     `json:"target_kind"` // central or internet
	Kind         string     `json:"kind"`        // down or unknown
	StartedAt    time.Time  `json:"started_at"`
	EndedAt      *time.Time `json:"ended_at"`
	EndedBy      string     `json:"ended_by,omitempty"`
	Cause        Cause      `json:"cause"`
	// DurationSeconds runs to the query's clock while the outage is open.
	DurationSeconds float64 `json:"duration_seconds"`
	// IncidentID is the incident a central-cause outage belongs to.
	IncidentID *int64 `json:"incident_id,omitempty"`
	// InMaintenance is true when a maintenance window overlaps the outage;
	// SLA figures exclude the overlap.
	InMaintenance bool `json:"in_maintenance"`
}

// Incident scopes.
const (
	ScopeOffice   = "office"
	ScopeProvince = "province"
	ScopeNational = "national"
)

// Incident groups overlapping central-cause outages across offices.
type Incident struct {
	ID        int64      `json:"id"`
	StartedAt time.Time  `json:"started_at"`
	EndedAt   *time.Time `json:"ended_at"`
	Scope     string     `json:"scope"`
	Cause     Cause      `json:"cause"`
	// ProvinceCode is set when every affected office is in one province.
	ProvinceCode string `json:"province_code,omitempty"`
	// PeakOffices is the most offices down at once; Scope is judged on it.
	PeakOffices int `json:"peak_offices"`
	// MonitoredOffices is the denominator the scope was judged against
	// (the province's for province scope, everyone's otherwise).
	MonitoredOffices int  `json:"monitored_offices"`
	InMaintenance    bool `json:"in_maintenance"`
	// FirstSeenAt is when the detector first stored the incident.
	FirstSeenAt time.Time `json:"first_seen_at"`
	// Late is true when the incident's end was already known when it was
	// first seen (results delivered from a spool after the link came back):
	// it is reported as late and never escalated.
	Late bool `json:"late"`
	// Flaps counts the times an office came back down within the re-open
	// window; more than zero is "tidak stabil" (unstable).
	Flaps   int              `json:"flaps"`
	Offices []IncidentOffice `json:"offices"`
	// Affected is the count of offices down over time, as steps.
	Affected []AffectedStep `json:"affected"`
}

// IncidentOffice is one office's part in an incident: the union of its
// central-cause outages that belong to it.
type IncidentOffice struct {
	OfficeCode   string     `json:"office_code"`
	ProvinceCode string     `json:"province_code"`
	StartedAt    time.Time  `json:"started_at"`
	EndedAt      *time.Time `json:"ended_at"`
}

// AffectedStep says that from At on, Offices offices were down.
type AffectedStep struct {
	At      time.Time `json:"at"`
	Offices int       `json:"offices"`
}

// MaintenanceWindow is a planned cut-off for one office, a province or
// everyone (scope national). It is shown on timelines and excluded from SLA.
type MaintenanceWindow struct {
	ID           int64     `json:"id"`
	Scope        string    `json:"scope"` // office, province or national
	OfficeCode   string    `json:"office_code,omitempty"`
	ProvinceCode string    `json:"province_code,omitempty"`
	StartsAt     time.Time `json:"starts_at"`
	EndsAt       time.Time `json:"ends_at"`
	Reason       string    `json:"reason"`
	CreatedAt    time.Time `json:"created_at"`
}

// StateInterval is one piece of an office's timeline, [From, To).
// Underlying is the measured state under a maintenance interval.
type StateInterval struct {
	State      State     `json:"state"`
	Underlying State     `json:"underlying,omitempty"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
}

// OfficeState is an office's current link state to the central registry.
type OfficeState struct {
	OfficeCode   string `json:"office_code"`
	OfficeName   string `json:"office_name"`
	ProvinceCode string `json:"province_code"`
	State        State  `json:"state"`
	// Underlying is the measured state while State is maintenance.
	Underlying State `json:"underlying,omitempty"`
	// Since is when the office entered State; nil when never measured.
	Since *time.Time `json:"since"`
	// Cause is set while State (or Underlying) is down.
	Cause        Cause      `json:"cause,omitempty"`
	LastResultAt *time.Time `json:"last_result_at"`
	// LastResultAgeSeconds is the age of the newest result at query time.
	LastResultAgeSeconds *float64 `json:"last_result_age_seconds"`
	MaintenanceID        *int64   `json:"maintenance_id,omitempty"`
}

// Incident change kinds, as the detector reports them to escalation.
const (
	IncidentOpened       = "opened"        // a new incident, open when first seen
	IncidentLate         = "late"          // a new incident already over when first seen
	IncidentScopeChanged = "scope_changed" // scope widened or narrowed
	IncidentUpdated      = "updated"       // offices or times changed, scope not
	IncidentRecovered    = "recovered"     // every office is back
	IncidentReopened     = "reopened"      // late data showed it was not over
	IncidentRetracted    = "retracted"     // late data showed it never was; the row is gone
)

// IncidentChange is one change of an incident, reported in the transaction
// that makes it.
type IncidentChange struct {
	Kind          string   `json:"kind"`
	Incident      Incident `json:"incident"`
	PreviousScope string   `json:"previous_scope,omitempty"`
	// MergedInto is set on a retracted incident whose offices now belong
	// to that (already existing) incident.
	MergedInto int64 `json:"merged_into,omitempty"`
}
