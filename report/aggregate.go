package report

import (
	"errors"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
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
	days := make([]Day, len(first.Days))
	for i := range days {
		days[i].Date = first.Days[i].Date
	}
	heads := make([]Head, len(reports))
	for j, r := range reports {
		if r.From != first.From || r.To != first.To || len(r.Days) != len(first.Days) {
			return nil, fmt.Errorf("aggregate: office %s covers %s..%s, want %s..%s", r.Office, r.From, r.To, first.From, first.To)
		}
		heads[j] = r.Head()
		for i, d := range r.Days {
			AddDay(&days[i], d)
		}
	}
	return Combine(code, name, first.From, first.To, first.GeneratedAt, heads, days), nil
}

// Head is what Aggregate takes from a report besides its days.
type Head struct {
	Offices            int
	Feasible, Earliest bool
	Clearance          *calendar.Date
	Totals             Totals
}

// Head is r's part of an aggregate besides its days.
func (r *Report) Head() Head {
	return Head{Offices: r.Offices, Feasible: r.Feasible, Earliest: r.Earliest, Clearance: r.Clearance, Totals: r.Totals}
}

// AddDay adds d's figures to a, as Aggregate sums days (a store summing
// stored days must do the same: sums, the largest lateness, either flag).
func AddDay(a *Day, d Day) {
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

// Combine is Aggregate over reports' heads and their days already summed
// with AddDay (days[i] the sum of every report's i-th day, dated): it adds
// the heads and recomputes compliance.
func Combine(code, name string, from, to calendar.Date, generated time.Time, heads []Head, days []Day) *Report {
	out := &Report{Office: code, Name: name, From: from, To: to, GeneratedAt: generated,
		Feasible: true, Earliest: true, Days: days}
	for _, h := range heads {
		out.Offices += h.Offices
		out.Feasible = out.Feasible && h.Feasible
		out.Earliest = out.Earliest && h.Earliest
		if h.Clearance != nil && (out.Clearance == nil || h.Clearance.After(*out.Clearance)) {
			c := *h.Clearance
			out.Clearance = &c
		}
		t, s := &out.Totals, h.Totals
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
		d := &out.Days[i]
		d.Compliance = nil
		if d.Completed > 0 {
			v := float64(d.OnTime) / float64(d.Completed)
			d.Compliance = &v
		}
	}
	out.Totals.Compliance = 1
	if t := &out.Totals; t.Received > 0 {
		t.Compliance = float64(t.OnTime) / float64(t.Received)
	}
	return out
}
