package reportdata

import (
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// SumAvailability sums offices' availability over the same period: times
// add up, outages count, the longest is kept, and the shares, coverage,
// MTTR and MTBF (over the gaps between two outages of one office) are
// recomputed from the sums (so a big office weighs no more than a
// small one: each office's hour counts once). Nil reports are skipped; nil
// when none is left.
func SumAvailability(rs []*sla.Report) *sla.Report {
	var out *sla.Report
	gaps := 0 // stretches between two outages of one office
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
		out.UpBetween += r.UpBetween
		if r.HasMTBF() {
			gaps += r.Outages - 1
		}
	}
	if out == nil {
		return nil
	}
	out.All.Finish()
	out.WorkingHours.Finish()
	if out.Outages > 0 {
		out.MTTR = out.All.Down / calendar.Duration(out.Outages)
	}
	// MTBF over the gaps between two outages of the same office; none
	// (zero) when no office had two.
	if gaps > 0 {
		out.MTBF = out.UpBetween / calendar.Duration(gaps)
	}
	return out
}

func addTime(a *sla.Time, b sla.Time) {
	a.Up += b.Up
	a.Down += b.Down
	a.Unknown += b.Unknown
	a.Maintenance += b.Maintenance
}
