package detect

import (
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Member is one central-cause down outage of a central target, as incident
// grouping sees it.
type Member struct {
	OfficeCode   string
	ProvinceCode string
	Start        time.Time
	End          *time.Time // nil while open
}

// Monitored counts the offices with at least one non-revoked probe.
type Monitored struct {
	Total      int
	ByProvince map[string]int
}

// ScopeRules are the shares at which an incident reaches province or
// national scope (DESIGN.md default 50 % each).
type ScopeRules struct {
	ProvinceShare float64
	NationalShare float64
}

// DefaultScopeRules are DESIGN.md's defaults.
var DefaultScopeRules = ScopeRules{ProvinceShare: 0.5, NationalShare: 0.5}

// Group is one incident as computed, before it has an id.
type Group struct {
	Start            time.Time
	End              *time.Time
	Offices          []api.IncidentOffice
	Affected         []api.AffectedStep
	Peak             int
	Scope            string
	ProvinceCode     string
	MonitoredOffices int
}

// less orders possibly open ends: nil is +infinity.
func endBefore(a, b *time.Time) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return a.Before(*b)
}

// Incidents groups members into incidents. First each office's outages are
// united (two central targets down together are one office down); then
// office intervals that overlap in time, [start, end) with a positive
// overlap, are grouped transitively: one incident per connected chain.
// Scope is judged on the peak of offices down at once.
func Incidents(members []Member, mon Monitored, rules ScopeRules) []Group {
	offices := unionByOffice(members)
	slices.SortFunc(offices, func(a, b api.IncidentOffice) int {
		if c := a.StartedAt.Compare(b.StartedAt); c != 0 {
			return c
		}
		return compareStr(a.OfficeCode, b.OfficeCode)
	})
	var groups []Group
	for i := 0; i < len(offices); {
		g := Group{Start: offices[i].StartedAt, End: offices[i].EndedAt}
		j := i + 1
		for ; j < len(offices) && (g.End == nil || offices[j].StartedAt.Before(*g.End)); j++ {
			if endBefore(g.End, offices[j].EndedAt) {
				g.End = offices[j].EndedAt
			}
		}
		g.Offices = offices[i:j:j]
		finishGroup(&g, mon, rules)
		groups = append(groups, g)
		i = j
	}
	return groups
}

// unionByOffice merges each office's overlapping or touching outages.
func unionByOffice(members []Member) []api.IncidentOffice {
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int {
		if c := compareStr(a.OfficeCode, b.OfficeCode); c != 0 {
			return c
		}
		return a.Start.Compare(b.Start)
	})
	var out []api.IncidentOffice
	for _, m := range ms {
		n := len(out)
		if n > 0 && out[n-1].OfficeCode == m.OfficeCode && (out[n-1].EndedAt == nil || !m.Start.After(*out[n-1].EndedAt)) {
			if endBefore(out[n-1].EndedAt, m.End) {
				out[n-1].EndedAt = m.End
			}
			continue
		}
		out = append(out, api.IncidentOffice{OfficeCode: m.OfficeCode, ProvinceCode: m.ProvinceCode, StartedAt: m.Start, EndedAt: m.End})
	}
	return out
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// finishGroup computes the affected steps, the peaks and the scope.
func finishGroup(g *Group, mon Monitored, rules ScopeRules) {
	g.Affected, g.Peak = Affected(g.Offices)
	provinces := map[string][]api.IncidentOffice{}
	for _, o := range g.Offices {
		provinces[o.ProvinceCode] = append(provinces[o.ProvinceCode], o)
	}
	if len(provinces) == 1 {
		g.ProvinceCode = g.Offices[0].ProvinceCode
	}
	g.Scope, g.MonitoredOffices = api.ScopeOffice, mon.Total
	if reaches(g.Peak, mon.Total, rules.NationalShare) {
		g.Scope = api.ScopeNational
		return
	}
	best := -1.0
	for code, os := range provinces {
		_, peak := Affected(os)
		n := mon.ByProvince[code]
		if reaches(peak, n, rules.ProvinceShare) && float64(peak)/float64(n) > best {
			best = float64(peak) / float64(n)
			g.Scope, g.MonitoredOffices = api.ScopeProvince, n
			if len(provinces) == 1 {
				g.ProvinceCode = code
			}
		}
	}
}

// reaches reports whether peak offices of monitored reach share. One office
// alone is always office scope, even in a province that monitors only one.
func reaches(peak, monitored int, share float64) bool {
	return peak >= 2 && monitored > 0 && float64(peak) >= share*float64(monitored)-1e-9
}

// Affected is the count of offices down over time, and its peak. Intervals are
// half-open, so an office that recovers as another fails is not counted twice.
func Affected(os []api.IncidentOffice) ([]api.AffectedStep, int) {
	type ev struct {
		at time.Time
		d  int
	}
	var evs []ev
	for _, o := range os {
		evs = append(evs, ev{o.StartedAt, 1})
		if o.EndedAt != nil {
			evs = append(evs, ev{*o.EndedAt, -1})
		}
	}
	slices.SortFunc(evs, func(a, b ev) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.d - b.d // ends first
	})
	var (
		out  []api.AffectedStep
		n    int
		peak int
	)
	for i, e := range evs {
		n += e.d
		if i+1 < len(evs) && evs[i+1].at.Equal(e.at) {
			continue
		}
		out = append(out, api.AffectedStep{At: e.at, Offices: n})
		peak = max(peak, n)
	}
	return out, peak
}
