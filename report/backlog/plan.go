package backlog

import (
	"slices"

	"github.com/pantau-id/pantau/report/calendar"
)

// Plan is an overtime schedule: whole hours per simulated day.
type Plan struct {
	// Hours is indexed like Model.Days.
	Hours []int `json:"hours"`
	// Total is the sum of Hours.
	Total int `json:"total"`
	// Feasible is whether every document meets its SLA under this plan.
	Feasible bool `json:"feasible"`
	// CapFrom and CapTo (inclusive) are the days worked at the maximum
	// because no schedule meets every deadline; zero when Feasible.
	CapFrom calendar.Date `json:"cap_from,omitzero"`
	CapTo   calendar.Date `json:"cap_to,omitzero"`
	// Earliest is whether the plan is proven the earliest of the least
	// (always so for a month); Total is always the least.
	Earliest bool `json:"earliest"`
}

// Plan finds the overtime DESIGN.md asks for:
//
//   - each day d gets 0..MaxOvertime(d) whole hours, none before PlanFrom;
//   - if some schedule meets every deadline, the plan has the least total
//     hours among those that do, and among those the earliest: at the
//     first day where two such schedules differ, the one with more hours;
//   - otherwise no schedule makes any document finish earlier than the
//     maximum on every day does (monotonicity, below), so the least
//     lateness each document can have is its lateness at the maximum; the
//     plan is the least total, then the earliest, among the schedules that
//     give every document that least lateness. So the cap is worked from
//     the end of the outage only as long as each hour makes some late
//     document less late (the last capped day may work fewer hours than
//     the cap), and no hour is planned that changes no document's
//     lateness; CapFrom..CapTo are the days worked at the maximum from the
//     first day with overtime.
//
// Why it is exact and fast (a sketch). Write R for the vector of remaining
// staff-minutes of every document. In one slot the pool serves eligible
// documents in arrival order, so a document j gets what capacity is left
// after the eligible ones before it: max(0, c - sum of their R). If R <= R'
// componentwise and c >= c', each of those sums is no larger, so each new
// R_j is no larger: more capacity, or a state that covers another, never
// makes any document later (monotonicity). Both cases are then the same
// problem: every document has a latest slot to finish in (its deadline,
// or, when that cannot be met, where it finishes at the maximum), and a
// schedule is acceptable when every document finishes by it. Within a
// class eligibility is the same for all, so each class is a FIFO suffix
// and the state is four integers (state). The planner is then a dynamic
// programme over days whose entries are (total so far S, state, hours so
// far); an entry is dropped when another covers its state and has either a
// smaller S (no completion of the dropped one can reach a smaller least
// total) or the same S and hours at least as early (the dropped one's best
// completion works for the other and is no earlier). The schedule we want
// survives every drop or is replaced by one equal to it, and at the end the
// least S and the earliest hours among its entries are the answer. A quick
// acceptable schedule (upperBound) caps S, and equal or covered states
// collapse, so entries stay few: one office's month plans in 0.1-0.3 ms, or
// about 2.5 ms when two weeks of overtime must be placed
// (BenchmarkPlanMonth). plan_prop_test.go checks all of this against brute
// force on small cases, and plan_lateness_test.go against an independent
// enumeration of lateness vectors. Only on long horizons where the office
// is short of staff every day do the entries multiply; past searchBudget
// the tie-break is settled among the entries a plain least-total programme
// keeps, and Plan.Earliest says so (TestPlanOverloadedYear).
func (m *Model) Plan() Plan {
	n := len(m.days)
	lo, hi := make([]int, n), make([]int, n)
	for d := m.planFrom; d < n; d++ {
		hi[d] = m.days[d].maxOT
	}
	p := Plan{Feasible: true}
	r := m.rules(nil)
	if !m.simulate(hi, r, nil) {
		p.Feasible = false
		r = m.rules(m.leastLate(hi))
	}
	p.Hours, p.Earliest = m.search(lo, hi, r)
	p.Total = sum(p.Hours)
	if !p.Feasible {
		p.CapFrom, p.CapTo = m.capped(p.Hours)
	}
	return p
}

// capped is the run of days worked at the maximum that starts at the
// plan's first day with overtime (zero Dates if that day works less).
func (m *Model) capped(hours []int) (from, to calendar.Date) {
	for d, h := range hours {
		if h == 0 {
			continue
		}
		if h < m.days[d].maxOT {
			return
		}
		from = m.info[d].Date
		for ; d < len(hours) && hours[d] > 0 && hours[d] == m.days[d].maxOT; d++ {
			to = m.info[d].Date
		}
		return
	}
	return
}

type entry struct {
	st    state
	hours []uint8
}

// earlier reports whether a works its hours earlier than b: more hours on
// the first day where they differ.
func earlier(a, b []uint8) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// searchBudget bounds the day simulations of the search for the earliest
// plan. It is far above what a month needs (a few thousand) and is only
// reached by long horizons on which the office is overloaded every day, so
// that many plans of the same total lead to different queues.
const searchBudget = 100_000

// search is the dynamic programme described at Plan. fronts[S] holds the
// surviving entries whose hours so far sum to S. It reports false if it had
// to settle the tie-break without proof (see searchBudget): the total is
// then still the least, and the plan the earliest of those kept.
func (m *Model) search(lo, hi []int, r *rules) ([]int, bool) {
	ub, ok := m.upperBound(lo, hi, r)
	if !ok {
		// lo itself meets every deadline: nothing has a smaller total.
		return ub, true
	}
	if out, ok := m.dp(lo, hi, r, sum(ub), true); ok {
		return out, true
	}
	out, _ := m.dp(lo, hi, r, sum(ub), false)
	return out, false
}

// dp runs the programme with totals up to bound. With earliest false an
// entry is dropped whenever another covers its state with no larger total,
// which keeps the least total exact but not the tie-break; with earliest
// true it gives up (false) past searchBudget.
func (m *Model) dp(lo, hi []int, r *rules, bound int, earliest bool) ([]int, bool) {
	fronts := [][]entry{{{}}}
	runs := 0
	for d := range m.days {
		next := make([][]entry, min(len(fronts)+hi[d], bound+1))
		for S, es := range fronts {
			for _, e := range es {
				// Fewer hours never help (monotonicity), so stop at the
				// first that fails.
				for x := hi[d]; x >= lo[d]; x-- {
					if S+x > bound {
						continue
					}
					st := e.st
					runs++
					if !m.runDay(&st, d, x, r, nil) {
						break
					}
					h := make([]uint8, d+1)
					copy(h, e.hours)
					h[d] = uint8(x)
					next[S+x] = add(next[S+x], entry{st, h}, earliest)
				}
			}
		}
		if earliest && runs > searchBudget {
			return nil, false
		}
		fronts = prune(next)
	}
	for _, es := range fronts {
		if len(es) == 0 {
			continue
		}
		best := es[0]
		for _, e := range es[1:] {
			if earlier(e.hours, best.hours) {
				best = e
			}
		}
		out := make([]int, len(best.hours))
		for i, h := range best.hours {
			out[i] = int(h)
		}
		return out, true
	}
	// Unreachable: hi itself meets every limit the rules set.
	return slices.Clone(hi), true
}

// add puts e into a same-total front, dropping whichever of two entries is
// covered in state and (when earliest) no earlier in hours.
func add(es []entry, e entry, earliest bool) []entry {
	drops := func(a, b entry) bool { // a makes b unnecessary
		if !a.st.covers(b.st) {
			return false
		}
		if earlier(b.hours, a.hours) {
			// b works earlier: only a strictly better state, and only
			// when the tie-break is not being proven, outweighs that.
			return !earliest && a.st != b.st
		}
		return true
	}
	for _, o := range es {
		if drops(o, e) {
			return es
		}
	}
	out := es[:0]
	for _, o := range es {
		if !drops(e, o) {
			out = append(out, o)
		}
	}
	return append(out, e)
}

// prune drops entries whose state is covered by an entry of smaller total,
// and trailing empty totals.
func prune(fronts [][]entry) [][]entry {
	var seen []state
	for S, es := range fronts {
		kept := es[:0]
		for _, e := range es {
			if !slices.ContainsFunc(seen, func(o state) bool { return o.covers(e.st) }) {
				kept = append(kept, e)
			}
		}
		fronts[S] = kept
		for _, e := range kept {
			seen = append(seen, e.st)
		}
	}
	for len(fronts) > 1 && len(fronts[len(fronts)-1]) == 0 {
		fronts = fronts[:len(fronts)-1]
	}
	return fronts
}
