package escalate

import (
	"strconv"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Kind says what happened to an incident.
type Kind string

// The kinds of IncidentEvent.
const (
	Opened       Kind = "opened"
	ScopeChanged Kind = "scope_changed"
	Recovered    Kind = "recovered"
	Reopened     Kind = "reopened"  // late data showed it was not over
	Retracted    Kind = "retracted" // late data showed it never was
)

// Scope is how wide an incident reaches (DESIGN.md "scope").
type Scope string

// The scopes, narrowest first.
const (
	ScopeOffice   Scope = "office"
	ScopeProvince Scope = "province"
	ScopeNational Scope = "national"
)

// rank orders scopes so "at least province" is a comparison.
func (s Scope) rank() int {
	switch s {
	case ScopeProvince:
		return 1
	case ScopeNational:
		return 2
	}
	return 0
}

// Cause is why the offices lost the central registry.
type Cause string

// The causes detection tells apart.
const (
	CauseCentral Cause = "central"
	CauseLocal   Cause = "local"
	CauseUnknown Cause = "unknown"
)

// OfficeRef names one office an incident affects. Name and TZ (the IANA
// zone) may be left empty: Observe reads them from the offices table.
type OfficeRef struct {
	Code         string `json:"code"`
	Name         string `json:"name"`
	ProvinceCode string `json:"province_code"`
	TZ           string `json:"tz,omitempty"`
}

// Estimate is the backlog model's answer at recovery.
type Estimate struct {
	Documents     int       `json:"documents"`
	OvertimeHours float64   `json:"overtime_hours"`
	Cost          int64     `json:"cost"`           // rupiah
	ClearanceDate time.Time `json:"clearance_date"` // a calendar day: its date as given is shown
}

// IncidentEvent is what the detector hands escalation, in the same
// transaction as the incident's change of state.
type IncidentEvent struct {
	IncidentID      int64
	Kind            Kind
	Offices         []OfficeRef
	Scope           Scope
	Cause           Cause
	StartedAt       time.Time
	EndedAt         time.Time // set for Recovered
	BacklogEstimate *Estimate // optional, for Recovered (else Options.Estimator is asked)
	Maintenance     bool      // a planned maintenance window overlaps it: said in the message
}

// Validate names the first field at fault.
func (ev IncidentEvent) Validate() error {
	if ev.IncidentID <= 0 {
		return api.FieldErrorf("incident_id", "must be positive")
	}
	switch ev.Kind {
	case Opened, ScopeChanged, Recovered, Reopened, Retracted:
	default:
		return api.FieldErrorf("kind", "must be opened, scope_changed, recovered, reopened or retracted, not %q", ev.Kind)
	}
	if len(ev.Offices) == 0 {
		return api.FieldErrorf("offices", "must name at least one office")
	}
	for i, o := range ev.Offices {
		if o.Code == "" || o.ProvinceCode == "" {
			return api.FieldErrorf("offices["+strconv.Itoa(i)+"]", "needs code and province_code")
		}
	}
	switch ev.Scope {
	case ScopeOffice, ScopeProvince, ScopeNational:
	default:
		return api.FieldErrorf("scope", "must be office, province or national, not %q", ev.Scope)
	}
	switch ev.Cause {
	case CauseCentral, CauseLocal, CauseUnknown:
	default:
		return api.FieldErrorf("cause", "must be central, local or unknown, not %q", ev.Cause)
	}
	if ev.StartedAt.IsZero() {
		return api.FieldErrorf("started_at", "is required")
	}
	if ev.Kind == Recovered && ev.EndedAt.Before(ev.StartedAt) {
		return api.FieldErrorf("ended_at", "must be set and not before started_at")
	}
	return nil
}
