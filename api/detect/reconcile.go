package detect

import (
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Reconcile decides what the groups just computed mean for the stored
// incidents old of the same window, as the changes to write and to tell
// escalation, in that order:
//
//   - a group continues the old incident with the smallest id that it
//     overlaps in time and shares an office with (and that no earlier group
//     continues): it keeps that id, its first-seen time and its late flag;
//     an unchanged one gives no change, else recovered (it ended), reopened
//     (it was over and is not), scope_changed, or updated;
//   - any other group is new (ID 0, first seen at now): late when its end
//     is already known, else opened. An incident is never opened already
//     over;
//   - an old incident no group continues is retracted, with MergedInto
//     naming the incident that now holds one of its offices over the same
//     time, if any.
func Reconcile(groups []Group, old []api.Incident, now time.Time) []api.IncidentChange {
	used := map[int64]bool{}
	var out []api.IncidentChange
	for _, g := range groups {
		inc := api.Incident{StartedAt: g.Start, EndedAt: g.End, Scope: g.Scope, Cause: api.CauseCentral,
			ProvinceCode: g.ProvinceCode, PeakOffices: g.Peak, MonitoredOffices: g.MonitoredOffices,
			Offices: g.Offices, Affected: g.Affected, Flaps: g.Flaps, FirstSeenAt: now}
		i := matchIncident(g, old, used)
		if i < 0 {
			ch := api.IncidentChange{Kind: api.IncidentOpened}
			if inc.EndedAt != nil {
				ch.Kind, inc.Late = api.IncidentLate, true
			}
			ch.Incident = inc
			out = append(out, ch)
			continue
		}
		prev := old[i]
		used[prev.ID] = true
		inc.ID, inc.FirstSeenAt, inc.Late, inc.InMaintenance = prev.ID, prev.FirstSeenAt, prev.Late, prev.InMaintenance
		if SameIncident(prev, inc) {
			continue
		}
		ch := api.IncidentChange{Incident: inc, PreviousScope: prev.Scope}
		switch {
		case prev.EndedAt == nil && inc.EndedAt != nil:
			ch.Kind = api.IncidentRecovered
		case prev.EndedAt != nil && inc.EndedAt == nil:
			ch.Kind = api.IncidentReopened
		case prev.Scope != inc.Scope:
			ch.Kind = api.IncidentScopeChanged
		default:
			ch.Kind = api.IncidentUpdated
		}
		out = append(out, ch)
	}
	for _, o := range old {
		if used[o.ID] {
			continue
		}
		out = append(out, api.IncidentChange{Kind: api.IncidentRetracted, Incident: o, MergedInto: mergedInto(o, out)})
	}
	return out
}

// overlaps reports whether [s1, e1) and [s2, e2) share time; nil is open.
func overlaps(s1 time.Time, e1 *time.Time, s2 time.Time, e2 *time.Time) bool {
	return (e2 == nil || s1.Before(*e2)) && (e1 == nil || s2.Before(*e1))
}

// sharesOffice reports whether a and b have an office in common.
func sharesOffice(a, b []api.IncidentOffice) bool {
	return slices.ContainsFunc(a, func(x api.IncidentOffice) bool {
		return slices.ContainsFunc(b, func(y api.IncidentOffice) bool { return x.OfficeCode == y.OfficeCode })
	})
}

// matchIncident picks the old incident a group continues: the smallest id
// among those it overlaps in time and shares an office with.
func matchIncident(g Group, old []api.Incident, used map[int64]bool) int {
	best := -1
	for i, o := range old {
		if used[o.ID] || !overlaps(g.Start, g.End, o.StartedAt, o.EndedAt) || !sharesOffice(o.Offices, g.Offices) {
			continue
		}
		if best < 0 || o.ID < old[best].ID {
			best = i
		}
	}
	return best
}

// mergedInto is the id of an existing incident among changes that holds
// one of o's offices over a time o held it, or 0.
func mergedInto(o api.Incident, changes []api.IncidentChange) int64 {
	for _, ch := range changes {
		if ch.Incident.ID == 0 || ch.Kind == api.IncidentRetracted {
			continue
		}
		for _, a := range ch.Incident.Offices {
			for _, b := range o.Offices {
				if a.OfficeCode == b.OfficeCode && overlaps(a.StartedAt, a.EndedAt, b.StartedAt, b.EndedAt) {
					return ch.Incident.ID
				}
			}
		}
	}
	return 0
}

// SameIncident compares what grouping decides of an incident: times,
// scope, province, counts and offices (not its id, first-seen time or
// late flag, which it keeps).
func SameIncident(a, b api.Incident) bool {
	eqEnd := func(x, y *time.Time) bool { return (x == nil) == (y == nil) && (x == nil || x.Equal(*y)) }
	if !a.StartedAt.Equal(b.StartedAt) || !eqEnd(a.EndedAt, b.EndedAt) || a.Scope != b.Scope ||
		a.ProvinceCode != b.ProvinceCode || a.PeakOffices != b.PeakOffices || a.Flaps != b.Flaps ||
		a.MonitoredOffices != b.MonitoredOffices || len(a.Offices) != len(b.Offices) {
		return false
	}
	for i := range a.Offices {
		x, y := a.Offices[i], b.Offices[i]
		if x.OfficeCode != y.OfficeCode || !x.StartedAt.Equal(y.StartedAt) || !eqEnd(x.EndedAt, y.EndedAt) {
			return false
		}
	}
	return true
}
