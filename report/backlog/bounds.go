package backlog

import "slices"

// unavoidable marks the documents late even at the maximum every day and
// returns the days to work at the maximum for them.
func (m *Model) unavoidable(hi []int) (exempt []bool, from, to int) {
	done := make([]int32, len(m.docs))
	m.simulate(hi, nil, done)
	exempt = make([]bool, len(m.docs))
	first := -1
	to = -1
	for k := range m.classes {
		cl := &m.classes[k]
		for i, doc := range cl.doc {
			if done[doc] >= 0 && done[doc]+1 <= cl.due[i] {
				continue
			}
			exempt[doc] = true
			if first < 0 || m.docs[doc].Deadline.Before(m.docs[first].Deadline) {
				first = int(doc)
			}
			last := len(m.days) - 1
			if done[doc] >= 0 {
				last = m.dayOfSlot(int(done[doc]))
			}
			to = max(to, last)
		}
	}
	if first < 0 {
		return exempt, len(m.days), -1
	}
	// The outage that made them late: the latest down interval that starts
	// before the first deadline; its end is where the maximum begins.
	dl := m.docs[first].Deadline
	end := m.docs[first].Arrived
	found := false
	for _, iv := range m.cfg.Down {
		if iv.Start.Before(dl) && (!found || iv.End.After(end)) {
			end, found = iv.End, true
		}
	}
	from = m.dayOfSlot(max(0, m.slotOf(end)))
	return exempt, from, to
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
