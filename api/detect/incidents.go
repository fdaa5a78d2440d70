package detect

import (
	"cmp"
	"errors"
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

// IncidentRules are the parameters of incident grouping (DESIGN.md
// "Rules that reports depend on" and "Incidents and alerts under real
// timing").
type IncidentRules struct {
	// ProvinceShare of a province's monitored offices down at once makes an
	// incident of that province province scope (default 50 %).
	ProvinceShare float64
	// NationalShare of all monitored offices down at once makes the
	// outages of every province one national incident (default 50 %).
	NationalShare float64
	// NationalProvinces provinces at province scope at once make a
	// national incident too (default 2).
	NationalProvinces int
	// Reopen is the re-open window: an office whose central link comes
	// back down less than this after it recovered continues the same
	// incident, which is then unstable (default 10 minutes).
	Reopen time.Duration
}

// DefaultIncidentRules are DESIGN.md's defaults.
var DefaultIncidentRules = IncidentRules{ProvinceShare: 0.5, NationalShare: 0.5, NationalProvinces: 2, Reopen: 10 * time.Minute}

// Validate names the first field that is wrong.
func (r IncidentRules) Validate() error {
	switch {
	case r.ProvinceShare < 0 || r.ProvinceShare > 1:
		return errors.New("province_share: must be within 0..1")
	case r.NationalShare < 0 || r.NationalShare > 1:
		return errors.New("national_share: must be within 0..1")
	case r.NationalProvinces < 0:
		return errors.New("national_provinces: must not be negative")
	case r.Reopen < 0:
		return errors.New("reopen: must not be negative")
	}
	return nil
}

// WithDefaults fills zero fields with DefaultIncidentRules'.
func (r IncidentRules) WithDefaults() IncidentRules {
	d := DefaultIncidentRules
	if r.ProvinceShare == 0 {
		r.ProvinceShare = d.ProvinceShare
	}
	if r.NationalShare == 0 {
		r.NationalShare = d.NationalShare
	}
	if r.NationalProvinces == 0 {
		r.NationalProvinces = d.NationalProvinces
	}
	if r.Reopen == 0 {
		r.Reopen = d.Reopen
	}
	return r
}

// Group is one incident as computed, before it has an id.
type Group struct {
	Start time.Time
	End   *time.Time
	// Offices are the offices' down pieces, by start then office: an
	// office that flapped has one piece per time it was down.
	Offices          []api.IncidentOffice
	Affected         []api.AffectedStep
	Peak             int
	Scope            string
	ProvinceCode     string
	MonitoredOffices int
	// Flaps counts the times an office came back down within the re-open
	// window; more than zero is "tidak stabil".
	Flaps int
}

// endBefore orders possibly open ends: nil is +infinity.
func endBefore(a, b *time.Time) bool {
	switch {
	case a == nil:
		return false
	case b == nil:
		return true
	}
	return a.Before(*b)
}

// Incidents groups members into incidents:
//
//  1. each office's outages are united (two central targets down together
//     are one office down): the office's pieces;
//  2. pieces of one office less than the re-open window apart belong
//     together (flapping);
//  3. pieces of offices of ONE province that overlap in time, [start, end)
//     with a positive overlap, belong together, transitively;
//  4. across provinces only while the national rule holds: at every moment
//     when the national share of all monitored offices is down, or
//     NationalProvinces provinces are at province scope, every piece down
//     then belongs to one national incident (one per unbroken national
//     period, and periods sharing a piece are one).
//
// Scope is national for a group formed under rule 4, else province when
// the province's peak of offices down at once reaches its share, else
// office; a single office is always office scope. Groups come ordered by
// start, then first office.
func Incidents(members []Member, mon Monitored, rules IncidentRules) []Group {
	rules = rules.WithDefaults()
	pieces := unionByOffice(members)
	uf := newUnionFind(len(pieces))
	flap := make([]bool, len(pieces)) // piece i continues piece i-1 of its office
	for i := 1; i < len(pieces); i++ {
		prev, cur := pieces[i-1], pieces[i]
		if prev.OfficeCode == cur.OfficeCode && prev.EndedAt != nil && cur.StartedAt.Sub(*prev.EndedAt) < rules.Reopen {
			uf.union(i-1, i)
			flap[i] = true
		}
	}
	order := make([]int, len(pieces))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(pieces[a].ProvinceCode, pieces[b].ProvinceCode), pieces[a].StartedAt.Compare(pieces[b].StartedAt))
	})
	// Rule 3: a chain per province, as one sweep by start.
	var chainEnd *time.Time
	for n, i := range order {
		p := pieces[i]
		if n > 0 {
			q := pieces[order[n-1]]
			if q.ProvinceCode == p.ProvinceCode && (chainEnd == nil || p.StartedAt.Before(*chainEnd)) {
				uf.union(order[n-1], i)
				if endBefore(chainEnd, p.EndedAt) {
					chainEnd = p.EndedAt
				}
				continue
			}
		}
		chainEnd = p.EndedAt
	}
	national := nationalUnion(pieces, uf, mon, rules)

	byRoot := map[int]*Group{}
	var roots []int
	for i, p := range pieces {
		r := uf.find(i)
		g := byRoot[r]
		if g == nil {
			g = &Group{Start: p.StartedAt, End: p.EndedAt}
			byRoot[r] = g
			roots = append(roots, r)
		}
		if p.StartedAt.Before(g.Start) {
			g.Start = p.StartedAt
		}
		if g.End != nil && endBefore(g.End, p.EndedAt) {
			g.End = p.EndedAt
		}
		g.Offices = append(g.Offices, p)
		if flap[i] {
			g.Flaps++
		}
	}
	groups := make([]Group, 0, len(roots))
	for _, r := range roots {
		g := byRoot[r]
		slices.SortFunc(g.Offices, func(a, b api.IncidentOffice) int {
			return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.OfficeCode, b.OfficeCode))
		})
		finishGroup(g, national[r], mon, rules)
		groups = append(groups, *g)
	}
	slices.SortFunc(groups, func(a, b Group) int {
		return cmp.Or(a.Start.Compare(b.Start), cmp.Compare(a.Offices[0].OfficeCode, b.Offices[0].OfficeCode))
	})
	return groups
}

// nationalUnion applies rule 4: it sweeps the pieces in time, and while the
// national rule holds unites every piece down with the period's first. It
// returns the roots of the groups formed so.
func nationalUnion(pieces []api.IncidentOffice, uf *unionFind, mon Monitored, rules IncidentRules) map[int]bool {
	type event struct {
		at    time.Time
		piece int
		start bool
	}
	var evs []event
	for i, p := range pieces {
		evs = append(evs, event{p.StartedAt, i, true})
		if p.EndedAt != nil {
			evs = append(evs, event{*p.EndedAt, i, false})
		}
	}
	slices.SortFunc(evs, func(a, b event) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		switch { // ends first: intervals are half-open
		case a.start == b.start:
			return 0
		case b.start:
			return -1
		}
		return 1
	})
	var (
		active     = map[int]bool{}
		byProvince = map[string]int{}
		atScope    int // provinces at province scope now
		anchor     = -1
		marked     []int
	)
	atProvinceScope := func(prov string) bool {
		return reaches(byProvince[prov], mon.ByProvince[prov], rules.ProvinceShare)
	}
	for n, e := range evs {
		prov := pieces[e.piece].ProvinceCode
		was := atProvinceScope(prov)
		if e.start {
			active[e.piece] = true
			byProvince[prov]++
		} else {
			delete(active, e.piece)
			byProvince[prov]--
		}
		if now := atProvinceScope(prov); now != was {
			if now {
				atScope++
			} else {
				atScope--
			}
		}
		if n+1 < len(evs) && evs[n+1].at.Equal(e.at) {
			continue // judge the state after every event at this instant
		}
		holds := reaches(len(active), mon.Total, rules.NationalShare) || atScope >= rules.NationalProvinces
		switch {
		case !holds:
			anchor = -1
		case anchor < 0:
			for i := range active {
				if anchor < 0 {
					anchor = i
					marked = append(marked, i)
				}
				uf.union(anchor, i)
			}
		default:
			// Pieces that started at this instant join the running period.
			for k := n; k >= 0 && evs[k].at.Equal(e.at); k-- {
				if evs[k].start && active[evs[k].piece] {
					uf.union(anchor, evs[k].piece)
				}
			}
		}
	}
	out := map[int]bool{}
	for _, i := range marked {
		out[uf.find(i)] = true
	}
	return out
}

// unionByOffice merges each office's overlapping or touching outages into
// pieces, ordered by office then start.
func unionByOffice(members []Member) []api.IncidentOffice {
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b Member) int {
		return cmp.Or(cmp.Compare(a.OfficeCode, b.OfficeCode), a.Start.Compare(b.Start))
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

// finishGroup computes the affected steps, the peak and the scope.
func finishGroup(g *Group, national bool, mon Monitored, rules IncidentRules) {
	g.Affected, g.Peak = Affected(g.Offices)
	g.ProvinceCode = g.Offices[0].ProvinceCode
	for _, o := range g.Offices {
		if o.ProvinceCode != g.ProvinceCode {
			g.ProvinceCode = "" // a national incident across provinces
			break
		}
	}
	g.Scope, g.MonitoredOffices = api.ScopeOffice, mon.Total
	if national {
		g.Scope = api.ScopeNational
		return
	}
	// Without the national rule a group is one province's.
	if n := mon.ByProvince[g.ProvinceCode]; reaches(g.Peak, n, rules.ProvinceShare) {
		g.Scope, g.MonitoredOffices = api.ScopeProvince, n
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

// unionFind joins indexes into sets.
type unionFind struct{ parent []int }

func newUnionFind(n int) *unionFind {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return &unionFind{parent: p}
}

func (u *unionFind) find(i int) int {
	for u.parent[i] != i {
		u.parent[i] = u.parent[u.parent[i]]
		i = u.parent[i]
	}
	return u.parent[i]
}

func (u *unionFind) union(a, b int) {
	ra, rb := u.find(a), u.find(b)
	if ra != rb {
		u.parent[max(ra, rb)] = min(ra, rb)
	}
}
