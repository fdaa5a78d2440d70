package reportdata

import (
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// SumAvailability sums offices' availability over the same period: times
// add up, outages count, the longest is kept, and the shares, MTTR and
// MTBF are recomputed from the sums (so a big office weighs no more than a
// small one: each office's hour counts once). Nil reports are skipped; nil
// when none is left.
func SumAvailability(rs []*sla.Report) *sla.Report {
	var out *sla.Report
	for _, r := range rs {
		if r == nil {
			continue
		}
		if out == nil {
			out = &sla.Report{From: r.From, To: r.To}
		}
		addTime(&out.All, r.All)
		addTime(&out.WorkingHours, r.WorkingHours)
		out.Outages += r.Outages
		out.Longest = max(out.Longest, r.Longest)
	}
	if out == nil {
		return nil
	}
	share(&out.All)
	share(&out.WorkingHours)
	if out.Outages > 0 {
		out.MTTR = out.All.Down / calendar.Duration(out.Outages)
		out.MTBF = out.All.Up / calendar.Duration(out.Outages)
	}
	return out
}

func addTime(a *sla.Time, b sla.Time) {
	a.Up += b.Up
	a.Down += b.Down
	a.Unknown += b.Unknown
	a.Maintenance += b.Maintenance
}

func share(t *sla.Time) {
	t.Availability = nil
	if seen := t.Up + t.Down; seen > 0 {
		v := float64(t.Up) / float64(seen)
		t.Availability = &v
	}
}
