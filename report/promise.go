package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
)

// Promise is what an open central outage puts at stake at Input.Now for
// the files received so far (backlog.PromiseDeadline): the latest return
// of the link that keeps every one of their SLAs with overtime within the
// cap and what that overtime costs, or, once that moment has passed, the
// promises that break and by how much at the least.
type Promise struct {
	Office      string    `json:"office"`
	OutageStart time.Time `json:"outage_start"` // the open outage began (UTC)
	Now         time.Time `json:"now"`          // judged at; files received by then count
	Received    int       `json:"received"`     // files received from Input.From to Now
	Waiting     int       `json:"waiting"`      // of them, waiting for the central system
	// Kept is whether a return now still keeps every promise; with no file
	// waiting it is true and Deadline is nil.
	Kept bool `json:"kept"`
	// Deadline is the latest return (a 15-minute boundary) that keeps every
	// promise; nil once passed or when nothing waits.
	Deadline *time.Time `json:"deadline"`
	// ReturnAt is the return the plan assumes: Deadline, or the earliest
	// return (now, to the next 15 minutes) once the deadline has passed.
	ReturnAt time.Time `json:"return_at,omitzero"`
	// Plan is the overtime then needed, per day with hours; its totals.
	Plan          []PromiseDay `json:"plan"`
	OvertimeHours int          `json:"overtime_hours"`
	StaffHours    int          `json:"staff_hours"`
	Cost          int64        `json:"cost"`
	// Broken groups the files late even with a return at ReturnAt by type
	// and day of receipt, in deadline order, with the least lateness they
	// can then have (it grows while the link stays away); Late counts them
	// and MaxLateness is the worst. Empty while Kept.
	Broken      []BrokenGroup `json:"broken"`
	Late        int           `json:"late"`
	MaxLateness Duration      `json:"max_lateness"`
}

// PromiseDay is one day of a promise's overtime.
type PromiseDay struct {
	Date  calendar.Date `json:"date"`
	Start time.Time     `json:"start"` // overtime begins (UTC)
	Hours int           `json:"hours"`
	// Working is false on a weekend, holiday or collective leave: the
	// overtime then falls on a day the office is closed, and the page says
	// so (the promise's plan may need it).
	Working    bool   `json:"working"`
	Holiday    string `json:"holiday,omitempty"`
	StaffHours int    `json:"staff_hours"`
	Cost       int64  `json:"cost"`
}

// BuildPromise judges in's open central outage at in.Now. It is nil (and
// no error) when no outage of in is open. Intake after Now is ignored;
// other outages and maintenance windows stop central work as in Build;
// overtime is planned from in.PlanFrom (zero: the day of Now).
func BuildPromise(in Input) (*Promise, error) {
	var open *Outage
	var closed []Outage
	for i, o := range in.Outages {
		if o.End.IsZero() {
			if open != nil {
				return nil, fmt.Errorf("outages[%d]: a second open outage", i)
			}
			open = &in.Outages[i]
			continue
		}
		closed = append(closed, o)
	}
	if open == nil {
		return nil, nil
	}
	if in.Now.Before(open.Start) {
		return nil, fmt.Errorf("now: %s before the open outage's start %s", in.Now.UTC().Format(time.RFC3339), open.Start.UTC().Format(time.RFC3339))
	}
	rest := in
	rest.Outages, rest.AssumeEnd = closed, time.Time{}
	_, _, down, err := rest.down()
	if err != nil {
		return nil, err
	}
	o := in.Office
	cfg := backlog.Config{
		Office: backlog.Office{Calendar: o.Calendar, Types: o.Types, Staff: o.Staff, OvertimeCap: o.OvertimeCap},
		From:   in.From, To: in.To, Intake: in.Intake, Down: down, PlanFrom: in.PlanFrom,
	}
	if cfg.PlanFrom.IsZero() {
		cfg.PlanFrom = o.Calendar.Date(in.Now)
	}
	if today := o.Calendar.Date(in.Now); cfg.To.Before(today) {
		cfg.To = today
	}
	p, err := backlog.PromiseDeadline(cfg, open.Start, in.Now)
	if err != nil {
		return nil, err
	}
	out := &Promise{Office: o.Code, OutageStart: open.Start.UTC(), Now: p.Now, Received: p.Received, Waiting: p.Waiting,
		Kept: p.Kept, ReturnAt: p.ReturnAt, Plan: []PromiseDay{}, OvertimeHours: p.Total}
	if !p.Deadline.IsZero() {
		d := p.Deadline
		out.Deadline = &d
	}
	for _, d := range p.Plan {
		day := PromiseDay{Date: d.Date, Start: d.Start, Hours: d.Hours, Working: o.Calendar.IsWorkingDay(d.Date),
			StaffHours: d.Hours * o.Staff, Cost: cost(d.Date, d.Hours, &o)}
		if h, ok := o.Calendar.Holiday(d.Date); ok {
			day.Holiday = h.Name
		}
		out.Plan = append(out.Plan, day)
		out.StaffHours += day.StaffHours
		out.Cost += day.Cost
	}
	out.Broken = groupLate(p.Broken, &o)
	for _, b := range out.Broken {
		out.Late += b.Count
		out.MaxLateness = max(out.MaxLateness, b.MaxLateness)
	}
	return out, nil
}

// groupLate groups late files (with their completions; zero: still
// pending at the horizon) by type and day of receipt, in that order.
func groupLate(docs []backlog.Doc, o *Office) []BrokenGroup {
	out := []BrokenGroup{}
	idx := map[[2]int64]int{}
	for _, d := range docs {
		day := o.Calendar.Date(d.Arrived)
		late := Duration(-1) // pending past the horizon: lateness unknown
		if !d.Completed.IsZero() {
			late = Duration(d.Completed.Sub(d.Deadline))
		}
		k := [2]int64{int64(d.Type), int64(day.Year*10000 + int(day.Month)*100 + day.Day)}
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, BrokenGroup{Type: o.Types[d.Type].Code, Name: o.Types[d.Type].Name, Received: day,
				FirstDeadline: d.Deadline, LastDeadline: d.Deadline, MinLateness: late, MaxLateness: late})
		}
		g := &out[i]
		g.Count++
		if d.Deadline.Before(g.FirstDeadline) {
			g.FirstDeadline = d.Deadline
		}
		if d.Deadline.After(g.LastDeadline) {
			g.LastDeadline = d.Deadline
		}
		if late < 0 {
			g.Pending++
			continue
		}
		g.MinLateness, g.MaxLateness = min(g.MinLateness, late), max(g.MaxLateness, late)
	}
	for i := range out {
		if out[i].MinLateness < 0 {
			out[i].MinLateness = out[i].MaxLateness
		}
	}
	slices.SortStableFunc(out, func(a, b BrokenGroup) int {
		if c := a.FirstDeadline.Compare(b.FirstDeadline); c != 0 {
			return c
		}
		return strings.Compare(a.Type, b.Type)
	})
	return out
}

// BrokenGroup is the files of one type received on one day whose promise
// breaks even with the link back at the promise's ReturnAt.
type BrokenGroup struct {
	Type     string        `json:"type"` // document type code
	Name     string        `json:"name"` // in Bahasa Indonesia
	Received calendar.Date `json:"received"`
	Count    int           `json:"count"`
	// FirstDeadline and LastDeadline bound the group's deadlines.
	FirstDeadline time.Time `json:"first_deadline"`
	LastDeadline  time.Time `json:"last_deadline"`
	// MinLateness and MaxLateness bound the least lateness the files can
	// have (they grow while the link stays away); Pending of them are not
	// done within the model's horizon and not in these bounds.
	MinLateness Duration `json:"min_lateness"`
	MaxLateness Duration `json:"max_lateness"`
	Pending     int      `json:"pending,omitempty"`
}
