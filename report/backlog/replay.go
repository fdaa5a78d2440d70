package backlog

import (
	"slices"
	"time"
)

// Replay is one schedule played through, kept as slot numbers so that a
// year of files can be counted without building an instant for each. File
// indices are those of Model.Docs.
type Replay struct {
	m    *Model
	done []int32 // completion slot, -1 while pending
}

// Replay plays hours (indexed like Days; missing days get none, values are
// clamped to 0..MaxOvertime).
func (m *Model) Replay(hours []int) *Replay {
	h := make([]int, len(m.days))
	for d := range h {
		if d < len(hours) {
			h[d] = min(max(0, hours[d]), m.days[d].maxOT)
		}
	}
	r := &Replay{m: m, done: make([]int32, len(m.docs))}
	m.simulate(h, nil, r.done)
	return r
}

// Baseline replays the files with the central system always up and no
// overtime: what the office would have done on a normal month.
func (m *Model) Baseline() *Replay {
	normal := *m
	normal.down = make([]bool, len(m.down))
	r := normal.Replay(nil)
	r.m = m
	return r
}

// Run is Replay with each file's completion as an instant.
func (m *Model) Run(hours []int) []Doc {
	r := m.Replay(hours)
	out := slices.Clone(m.docs)
	for i := range out {
		out[i].Completed = r.Completed(i)
	}
	return out
}

// Len is the number of files.
func (r *Replay) Len() int { return len(r.done) }

// Done reports whether file i completed within the horizon.
func (r *Replay) Done(i int) bool { return r.done[i] >= 0 }

// Completed is the end of the slot file i finished in (zero if pending).
func (r *Replay) Completed(i int) time.Time {
	if r.done[i] < 0 {
		return time.Time{}
	}
	return r.m.start.Add(Slot * time.Duration(r.done[i]+1))
}

// CompletedDay is the index in Days of the day file i finished on, or
// len(Days) while pending.
func (r *Replay) CompletedDay(i int) int {
	if r.done[i] < 0 {
		return len(r.m.days)
	}
	return int(r.m.slotDay[r.done[i]])
}

// Late reports whether file i missed its deadline (pending counts as late).
func (r *Replay) Late(i int) bool { return r.done[i] < 0 || r.done[i]+1 > r.m.dueSlot[i] }

// ArrivedDay is the index in Days of the day file i was received.
func (m *Model) ArrivedDay(i int) int { return int(m.arrDay[i]) }

// Docs lists the files in arrival order, without completions; indices are
// those Replay uses.
func (m *Model) Docs() []Doc { return m.docs }
