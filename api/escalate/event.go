package escalate

import (
	"strconv"
	"time"

	"github.com/pantau-id/pantau/api"
)

// OfficeRef names one office an incident affects. Name and TZ may be left
// empty: Observe reads them from the offices table.
type OfficeRef = api.EscalationOffice

// Estimate is the backlog model's answer at recovery.
type Estimate = api.BacklogEstimate

// scopeRank orders scopes so "at least province" is a comparison.
func scopeRank(s string) int {
	switch s {
	case api.ScopeProvince:
		return 1
	case api.ScopeNational:
		return 2
	}
	return 0
}

// IncidentEvent is what the detector hands escalation, in the same
// transaction as the incident's change of state. Kind is one of api's
// Incident* change kinds.
type IncidentEvent struct {
	IncidentID      int64
	Kind            string
	Offices         []OfficeRef
	Scope           string
	Cause           api.Cause
	StartedAt       time.Time
	EndedAt         time.Time // set once it is over (also on a first sight of an incident already over)
	BacklogEstimate *Estimate // optional, for a recovery (else Options.Estimator is asked)
	Flapping        bool      // the detector continued it through its re-open window
	MergedInto      int64     // a retraction: its offices now belong to this incident
}

// ended reports whether the event says the incident is over.
func (ev IncidentEvent) ended() bool { return !ev.EndedAt.IsZero() }

// Validate names the first field at fault.
func (ev IncidentEvent) Validate() error {
	if ev.IncidentID <= 0 {
		return api.FieldErrorf("incident_id", "must be positive")
	}
	// Escalation decides from its own copy what happened; the kind only
	// has to be named (a retraction is the one it acts on as such).
	if ev.Kind == "" {
		return api.FieldErrorf("kind", "is required")
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
	case api.ScopeOffice, api.ScopeProvince, api.ScopeNational:
	default:
		return api.FieldErrorf("scope", "must be office, province or national, not %q", ev.Scope)
	}
	switch ev.Cause {
	case api.CauseCentral, api.CauseLocal, api.CauseUnknown:
	default:
		return api.FieldErrorf("cause", "must be central, local or unknown, not %q", ev.Cause)
	}
	if ev.StartedAt.IsZero() {
		return api.FieldErrorf("started_at", "is required")
	}
	if ev.Kind == api.IncidentRecovered && ev.EndedAt.Before(ev.StartedAt) {
		return api.FieldErrorf("ended_at", "must be set and not before started_at")
	}
	if ev.ended() && ev.EndedAt.Before(ev.StartedAt) {
		return api.FieldErrorf("ended_at", "must not be before started_at")
	}
	return nil
}
