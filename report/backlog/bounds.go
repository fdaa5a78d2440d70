package backlog

import (
	"math"
	"slices"
)

// leastLate is, per document, the first slot boundary it must finish by
// for its lateness to be the least any schedule gives: its deadline when
// it can meet it, else where it finishes with hi, the maximum on every day
// (no schedule finishes it earlier). A document still pending at the end
// of the horizon with hi is pending under every schedule: no limit.
func (m *Model) leastLate(hi []int) []int32 {
	done := make([]int32, len(m.docs))
	m.simulate(hi, nil, done)
	out := make([]int32, len(m.docs))
	for i, s := range done {
		switch {
		case s < 0:
			out[i] = math.MaxInt32
		default:
			out[i] = max(m.dueSlot[i], s+1)
		}
	}
	return out
}

// dayOfSlot is the day holding slot s, clamped to the horizon.
func (m *Model) dayOfSlot(s int) int {
	return int(m.slotDay[min(max(s, 0), len(m.slotDay)-1)])
}

// upperBound finds a schedule meeting r quickly, to bound the search: from
// lo, while some day fails, add an hour on the latest day not after it that
// has room (the latest hour that can still help the late file). It returns
// lo and false when lo already meets r. hi always meets r, so it ends.
func (m *Model) upperBound(lo, hi []int, r *rules) ([]int, bool) {
	x := slices.Clone(lo)
	starts := make([]state, len(m.days)+1)
	from, grew := 0, false
	for {
		failed := -1
		for d := from; d < len(m.days); d++ {
			st := starts[d]
			if !m.runDay(&st, d, x[d], r, nil) {
				failed = d
				break
			}
			starts[d+1] = st
		}
		if failed < 0 {
			return x, grew
		}
		e := failed
		for e >= 0 && x[e] >= hi[e] {
			e--
		}
		if e < 0 {
			return slices.Clone(hi), true
		}
		x[e]++
		from, grew = e, true
	}
}

func sum(h []int) int {
	t := 0
	for _, v := range h {
		t += v
	}
	return t
}
