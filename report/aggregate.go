package report

import (
	"errors"
	"fmt"
)

// Aggregate sums office reports of the same period into one for a province
// or the whole country: day by day, counts, hours and cost add up, the
// largest lateness is kept, compliance is recomputed from the sums, and the
// clearance date is the latest of the offices' (nil if none has one).
// Working, Holiday, OvertimeStart and the per-office fields are left empty,
// and breaches are not carried (each office's report has its own).
func Aggregate(code, name string, reports []*Report) (*Report, error) {
	if len(reports) == 0 {
		return nil, errors.New("aggregate: no reports")
	}
	first := reports[0]
	out := &Report{Office: code, Name: name, From: first.From, To: first.To, GeneratedAt: first.GeneratedAt,
		Feasible: true, Earliest: true, Days: make([]Day, len(first.Days))}
	for i := range out.Days {
		out.Days[i].Date = first.Days[i].Date
	}
	for _, r := range reports {
		if r.From != first.From || r.To != first.To || len(r.Days) != len(first.Days) {
			return nil, fmt.Errorf("aggregate: office %s covers %s..%s, want %s..%s", r.Office, r.From, r.To, first.From, first.To)
		}
		out.Offices += r.Offices
		out.Feasible = out.Feasible && r.Feasible
		out.Earliest = out.Earliest && r.Earliest
		if r.Clearance != nil && (out.Clearance == nil || r.Clearance.After(*out.Clearance)) {
			c := *r.Clearance
			out.Clearance = &c
		}
		for i, d := range r.Days {
			a := &out.Days[i]
			a.Received += d.Received
			a.Completed += d.Completed
			a.Backlog += d.Backlog
			a.Normal += d.Normal
			a.OvertimeHours += d.OvertimeHours
			a.StaffHours += d.StaffHours
			a.Cost += d.Cost
			a.Overdue += d.Overdue
			a.LateCompleted += d.LateCompleted
			a.MaxLateness = max(a.MaxLateness, d.MaxLateness)
			a.OnTime += d.OnTime
			a.Projected = a.Projected || d.Projected
			a.Forecast = a.Forecast || d.Forecast
		}
		t, s := &out.Totals, r.Totals
		t.Received += s.Received
		t.OnTime += s.OnTime
		t.Late += s.Late
		t.Pending += s.Pending
		t.MaxLateness = max(t.MaxLateness, s.MaxLateness)
		t.OvertimeHours += s.OvertimeHours
		t.StaffHours += s.StaffHours
		t.Cost += s.Cost
	}
	for i := range out.Days {
		if d := &out.Days[i]; d.Completed > 0 {
			v := float64(d.OnTime) / float64(d.Completed)
			d.Compliance = &v
		}
	}
	out.Totals.Compliance = 1
	if t := &out.Totals; t.Received > 0 {
		t.Compliance = float64(t.OnTime) / float64(t.Received)
	}
	return out, nil
}
