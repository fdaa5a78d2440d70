package backlog

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// Promise is what an open central outage puts at stake for the files
// received so far (DESIGN.md, "the promise deadline"): the latest moment
// the link can return for every one of them to still meet its SLA with
// overtime within the cap, and the overtime that would then be needed; or,
// once that moment has passed, which files break their promise and by how
// much at the least.
type Promise struct {
	// Now is the instant judged; files received by then count.
	Now time.Time `json:"now"`
	// Received counts the files received by Now (from Config.From);
	// Waiting those of them that need the central system and are not done
	// when Now comes (in the model), so wait for the link.
	Received int `json:"received"`
	Waiting  int `json:"waiting"`
	// Kept is whether the link coming back at the earliest (the first
	// slot boundary at or after Now) still lets every file received so far
	// meet its SLA. With no file waiting it is true and Deadline is zero.
	Kept bool `json:"kept"`
	// Deadline is the latest return that keeps every promise: the last
	// 15-minute boundary T such that a return at any boundary from Now up
	// to T keeps them all (zero when not Kept or none waits).
	Deadline time.Time `json:"deadline,omitzero"`
	// ReturnAt is the return the plan below assumes: Deadline when Kept,
	// else the earliest return.
	ReturnAt time.Time `json:"return_at,omitzero"`
	// Plan is the overtime for a return at ReturnAt: the least that
	// meets every SLA (Kept), or else the least that gives every file its
	// least lateness. Only days with hours are listed.
	Plan []DayHours `json:"plan"`
	// Total is the plan's hours.
	Total int `json:"total"`
	// Broken lists, when not Kept, the files late even if the link came
	// back at ReturnAt, in arrival order, each with its completion under
	// the plan (its earliest possible; zero if past the horizon).
	Broken []Doc `json:"broken,omitempty"`
}

// DayHours is one day's overtime of a plan.
type DayHours struct {
	Date  calendar.Date `json:"date"`
	Start time.Time     `json:"start"` // overtime begins (UTC)
	Hours int           `json:"hours"`
}

// PromiseDeadline judges an open central outage that began at start, at
// instant now: cfg is the office's simulation without that outage (its
// Down holds only other outages and maintenance; Intake may run past now,
// files received after now are left out). Returns are tried at every
// 15-minute boundary from now on, in the model's slots, until one breaks a
// promise; later returns are not tried (a later return can only add down
// time, and the first break is the promise's deadline even if an odd queue
// made a still later return look fine).
func PromiseDeadline(cfg Config, start, now time.Time) (Promise, error) {
	if start.After(now) {
		return Promise{}, fmt.Errorf("promise: outage start %s after now %s", start, now)
	}
	if cfg.From.In(cfg.Office.Calendar.Zone, 0).After(start) {
		return Promise{}, fmt.Errorf("promise: period from %s starts after the outage began", cfg.From)
	}
	cfg.receivedBy = now
	m, err := New(cfg)
	if err != nil {
		return Promise{}, err
	}
	p := Promise{Now: now.UTC(), Received: len(m.docs), Kept: true, Plan: []DayHours{}}
	first := m.start.Add(time.Duration(max(0, (now.Sub(m.start)+Slot-1)/Slot)) * Slot)
	// Which files wait for the link: pending at the first return with the
	// central system down from start until then. The latest useful return
	// is the earliest deadline among them (none can finish before the link
	// is back).
	at := m.withDown(start, first)
	done := make([]int32, len(m.docs))
	at.simulate(at.hiHours(), nil, done)
	limit := time.Time{}
	nowSlot := int32(m.slotOf(first))
	for i, d := range m.docs {
		if m.cfg.Office.Types[d.Type].NeedsCentral && (done[i] < 0 || done[i] >= nowSlot) {
			p.Waiting++
			if limit.IsZero() || d.Deadline.Before(limit) {
				limit = d.Deadline
			}
		}
	}
	if p.Waiting == 0 {
		return p, nil
	}
	var kept *Model
	for t := first; !t.After(limit); t = t.Add(Slot) {
		v := m.withDown(start, t)
		if !v.simulate(v.hiHours(), v.rules(nil), nil) {
			break
		}
		kept, p.Deadline = v, t.UTC()
	}
	plan := kept
	if kept == nil {
		p.Kept, plan = false, at
	}
	p.ReturnAt = first.UTC()
	if kept != nil {
		p.ReturnAt = p.Deadline
	}
	pl := plan.Plan()
	if pl.Feasible != p.Kept {
		return Promise{}, errors.New("promise: plan and deadline disagree (a bug)")
	}
	for d, h := range pl.Hours {
		if h > 0 {
			p.Plan = append(p.Plan, DayHours{Date: plan.info[d].Date, Start: plan.info[d].OvertimeStart, Hours: h})
		}
	}
	p.Total = pl.Total
	if !p.Kept {
		r := plan.Replay(pl.Hours)
		for i, d := range plan.docs {
			if r.Late(i) {
				d.Completed = r.Completed(i)
				p.Broken = append(p.Broken, d)
			}
		}
	}
	return p, nil
}

// withDown is m with the central system also down over [a, b): the down
// slots and each day's most overtime recomputed, the files unchanged.
func (m *Model) withDown(a, b time.Time) *Model {
	v := *m
	v.down = slices.Clone(m.down)
	lo := max(0, int(a.Sub(m.start)/Slot))
	hi := min(len(v.down), int((b.Sub(m.start)+Slot-1)/Slot))
	for s := lo; s < hi; s++ {
		v.down[s] = true
	}
	v.days = slices.Clone(m.days)
	v.info = slices.Clone(m.info)
	for d := range v.days {
		v.days[d].maxOT = v.maxOvertime(&v.days[d])
		v.info[d].MaxOvertime = v.days[d].maxOT
	}
	return &v
}

// hiHours is the maximum on every day from PlanFrom: the schedule that
// finishes every file at its earliest.
func (m *Model) hiHours() []int {
	hi := make([]int, len(m.days))
	for d := m.planFrom; d < len(hi); d++ {
		hi[d] = m.days[d].maxOT
	}
	return hi
}
