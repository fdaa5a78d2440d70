package api

import "time"

// IncidentFilter narrows Incidents; zero fields match everything. From and
// To select incidents overlapping [From, To).
type IncidentFilter struct {
	OfficeCode   string
	ProvinceCode string
	From, To     time.Time
	OpenOnly     bool
	Scope        string
	Limit        int // default 100, at most 1000
}

// Validate names the first field that is wrong.
func (f IncidentFilter) Validate() error {
	switch {
	case f.Scope != "" && f.Scope != ScopeOffice && f.Scope != ScopeProvince && f.Scope != ScopeNational:
		return FieldErrorf("scope", "must be office, province or national, not %q", f.Scope)
	case !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From):
		return FieldErrorf("to", "must be after from")
	case f.Limit < 0 || f.Limit > 1000:
		return FieldErrorf("limit", "must be within 1..1000")
	}
	return nil
}

// MaintenanceFilter narrows MaintenanceWindows. OfficeCode selects the
// windows that apply to the office (its own, its province's, national);
// ProvinceCode those of the province and national ones. From and To select
// windows overlapping [From, To).
type MaintenanceFilter struct {
	OfficeCode   string
	ProvinceCode string
	From, To     time.Time
}

// OutageFilter narrows Outages; zero fields match everything. From and To
// select outages overlapping [From, To).
type OutageFilter struct {
	OfficeCode   string
	ProvinceCode string
	From, To     time.Time
	OpenOnly     bool
	// Kind is down (the default), unknown or all.
	Kind string
	// TargetKind is central, internet or empty for both.
	TargetKind string
	Cause      Cause
	Limit      int // default 100, at most 1000
}

// Validate names the first field that is wrong.
func (f OutageFilter) Validate() error {
	switch {
	case f.Kind != "" && f.Kind != KindDown && f.Kind != KindUnknown && f.Kind != "all":
		return FieldErrorf("kind", "must be down, unknown or all, not %q", f.Kind)
	case f.TargetKind != "" && f.TargetKind != "central" && f.TargetKind != "internet":
		return FieldErrorf("target_kind", "must be central or internet, not %q", f.TargetKind)
	case f.Cause != "" && f.Cause != CauseCentral && f.Cause != CauseLocal && f.Cause != CauseUnknown:
		return FieldErrorf("cause", "must be central, local or unknown, not %q", f.Cause)
	case !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From):
		return FieldErrorf("to", "must be after from")
	case f.Limit < 0 || f.Limit > 1000:
		return FieldErrorf("limit", "must be within 1..1000")
	}
	return nil
}

// OfficeFilter narrows Offices; empty fields match everything.
type OfficeFilter struct {
	ProvinceCode string
	Code         string
}

// RollupFilter selects rollups; zero fields match everything.
type RollupFilter struct {
	OfficeCode string
	ProbeID    int64
	TargetID   int64
	// From and To bound the hour, To exclusive; zero means unbounded.
	From, To time.Time
}
