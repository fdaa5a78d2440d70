package backlog

import (
	"math"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// buildDays cuts [From, last] into office days and marks down slots. A slot
// that touches a down interval at all counts as down: staff cannot rely on
// the central system for any of it.
func (m *Model) buildDays(last calendar.Date) {
	cal := m.cfg.Office.Calendar
	end := last.AddDays(1).In(cal.Zone, 0)
	m.down = make([]bool, m.slotOf(end))
	for _, iv := range m.cfg.Down {
		lo := max(0, int(iv.Start.Sub(m.start)/Slot))
		hi := min(len(m.down), int((iv.End.Sub(m.start)+Slot-1)/Slot))
		for s := lo; s < hi; s++ {
			m.down[s] = true
		}
	}
	planFrom := m.cfg.PlanFrom
	if planFrom.IsZero() {
		planFrom = m.cfg.From
	}
	for d := m.cfg.From; !d.After(last); d = d.AddDays(1) {
		if d == planFrom {
			m.planFrom = len(m.days)
		}
		start, stop := d.In(cal.Zone, 0), d.AddDays(1).In(cal.Zone, 0)
		dy := day{first: m.slotOf(start), end: m.slotOf(stop)}
		w := cal.WorkHours(d)
		otMin := cal.RestDayStart(d)
		if w.Open() {
			dy.ws, dy.we = m.slotOf(d.In(cal.Zone, w.Start)), m.slotOf(d.In(cal.Zone, w.End))
			otMin = w.End
		} else {
			dy.ws, dy.we = dy.first, dy.first
		}
		otAt := d.In(cal.Zone, otMin)
		dy.ot = m.slotOf(otAt)
		dy.maxOT = m.maxOvertime(&dy)
		m.days = append(m.days, dy)
		m.info = append(m.info, Day{Date: d, Start: start, End: stop, Working: w.Open(),
			OvertimeStart: otAt, MaxOvertime: dy.maxOT})
	}
	m.slotDay = make([]int32, len(m.down))
	for i, dy := range m.days {
		for s := dy.first; s < dy.end; s++ {
			m.slotDay[s] = int32(i)
		}
	}
	if planFrom.After(last) {
		m.planFrom = len(m.days)
	}
}

// maxOvertime is the most whole hours day dy may work: the cap, cut at
// the first hour that would touch a down slot or pass midnight.
func (m *Model) maxOvertime(dy *day) int {
	n := 0
	for h := 1; h <= m.cfg.Office.OvertimeCap; h++ {
		lo, hi := dy.ot+4*(h-1), dy.ot+4*h
		if hi > dy.end || anyTrue(m.down[lo:hi]) {
			break
		}
		n = h
	}
	return n
}

func anyTrue(b []bool) bool {
	for _, v := range b {
		if v {
			return true
		}
	}
	return false
}

// buildClasses splits the documents into the two queues.
func (m *Model) buildClasses() {
	types := m.cfg.Office.Types
	m.arrDay = make([]int32, 0, len(m.docs))
	m.dueSlot = make([]int32, 0, len(m.docs))
	for i, d := range m.docs {
		c := &m.classes[0]
		if types[d.Type].NeedsCentral {
			c = &m.classes[1]
		}
		arr, due := int32(m.slotOf(d.Arrived)), int32(m.slotOf(d.Deadline))
		c.doc = append(c.doc, int32(i))
		c.seq = append(c.seq, int32(i))
		c.arr = append(c.arr, arr)
		c.work = append(c.work, int32(types[d.Type].StaffMinutes))
		c.due = append(c.due, due)
		m.arrDay = append(m.arrDay, int32(m.dayOfSlot(int(arr))))
		m.dueSlot = append(m.dueSlot, due)
	}
}

// Days describes the simulated days, From through the end of the horizon.
func (m *Model) Days() []Day { return m.info }

// DayIndex is the index in Days of the day holding instant t, clamped to
// the horizon. With end true, t is the end of something (a completion at
// the end of a slot): an instant on midnight then belongs to the day before.
func (m *Model) DayIndex(t time.Time, end bool) int {
	d := t.Sub(m.start)
	if end {
		d--
	}
	s := int(d / Slot)
	if d < 0 {
		s = -1
	}
	return m.dayOfSlot(s)
}

// Down reports whether the central system is down at any point of the slot
// holding instant t.
func (m *Model) Down(t time.Time) bool {
	s := m.slotOf(t)
	return s >= 0 && s < len(m.down) && m.down[s]
}

// rules are the limits the simulation enforces: per class, the first slot
// boundary each document must finish by (its deadline, or a later limit
// where no schedule meets the deadline), and the suffix minimum that says
// in O(1) whether a pending document is past its limit.
type rules struct {
	due    [2][]int32
	sufMin [2][]int32
}

// rules builds the limits: each document's deadline, or limit[i] (indexed
// like Docs) when that is given.
func (m *Model) rules(limit []int32) *rules {
	r := &rules{}
	for k := range m.classes {
		c := &m.classes[k]
		s := make([]int32, len(c.due)+1)
		s[len(c.due)] = math.MaxInt32
		d := make([]int32, len(c.due))
		for i := len(c.due) - 1; i >= 0; i-- {
			v := c.due[i]
			if limit != nil {
				v = limit[c.doc[i]]
			}
			s[i] = min(v, s[i+1])
			d[i] = v
		}
		r.due[k], r.sufMin[k] = d, s
	}
	return r
}
