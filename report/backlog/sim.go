package backlog

// state is the whole queue between slots: for each class the first
// unfinished document and the staff-minutes already spent on it. Because
// each class is served in arrival order, everything before the head is done
// and everything after it untouched.
type state struct {
	h    [2]int32
	done [2]int32
}

// covers reports whether a leaves no more work than b on every document,
// the order under which more capacity or a better state never hurts (see
// plan.go).
func (a state) covers(b state) bool {
	for k := range a.h {
		if a.h[k] < b.h[k] || (a.h[k] == b.h[k] && a.done[k] < b.done[k]) {
			return false
		}
	}
	return true
}

// serve spends capacity minutes of slot s on the pending documents, first
// in first out across both classes, skipping the central class while the
// central system is down. Partly done work carries over: staff are one
// pool of minutes. done, if not nil, receives each completion's slot.
// It reports false when a document that is not exempt completes late.
func (m *Model) serve(st *state, s int, capacity int32, r *rules, done []int32) bool {
	down := m.down[s]
	for capacity > 0 {
		k := -1
		for c := range m.classes {
			cl := &m.classes[c]
			h := st.h[c]
			if int(h) >= len(cl.arr) || cl.arr[h] > int32(s) || (c == 1 && down) {
				continue
			}
			if k < 0 || cl.seq[h] < m.classes[k].seq[st.h[k]] {
				k = c
			}
		}
		if k < 0 {
			return true
		}
		cl := &m.classes[k]
		h := st.h[k]
		need := cl.work[h] - st.done[k]
		if need > capacity {
			st.done[k] += capacity
			return true
		}
		capacity -= need
		if done != nil {
			done[cl.doc[h]] = int32(s)
		}
		if r != nil && int32(s)+1 > r.due[k][h] {
			return false
		}
		st.h[k]++
		st.done[k] = 0
	}
	return true
}

// runDay advances st through day d with x overtime hours. It reports false
// as soon as a document that is not exempt misses its deadline: completed
// late, or still pending at the end of the day past its deadline. With
// r == nil nothing is checked (a full replay).
func (m *Model) runDay(st *state, d, x int, r *rules, done []int32) bool {
	dy := &m.days[d]
	for s := dy.ws; s < dy.we; s++ {
		if !m.serve(st, s, m.capWork, r, done) {
			return false
		}
	}
	for s := dy.ot; s < dy.ot+4*x; s++ {
		if !m.serve(st, s, m.capWork, r, done) {
			return false
		}
	}
	if r == nil {
		return true
	}
	for k := range m.classes {
		if r.sufMin[k][st.h[k]] <= int32(dy.end) {
			return false
		}
	}
	return true
}

// simulate runs the whole horizon with hours per day, returning whether
// every non-exempt deadline held and, if done is given, completion slots
// (-1 for documents still pending at the end).
func (m *Model) simulate(hours []int, r *rules, done []int32) bool {
	for i := range done {
		done[i] = -1
	}
	var st state
	ok := true
	for d := range m.days {
		prev := st
		if !m.runDay(&st, d, hours[d], r, done) {
			if done == nil {
				return false
			}
			// Keep replaying to record completions; r is dropped so the
			// run does not stop at the first miss.
			ok, r, st = false, nil, prev
			m.runDay(&st, d, hours[d], nil, done)
		}
	}
	return ok
}
