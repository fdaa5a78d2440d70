package reportdata

import (
	"slices"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// historyDays of recorded intake before a projection give the office's
// usual intake.
const historyDays = 28

// projectIntake guesses the intake of each day of [from, to] that has
// counter hours and no record in rows: per document type, the mean
// (rounded) of what the recorded days with counter hours in [histFrom,
// histTo] received, counting a recorded day without that type as zero.
// Nothing when no day of the history was recorded.
func projectIntake(rows []api.IntakeRow, cal *calendar.Calendar, histFrom, histTo, from, to calendar.Date) []api.IntakeRow {
	recorded := map[calendar.Date]bool{}
	sums := map[string]int{}
	days := map[calendar.Date]bool{}
	for _, r := range rows {
		recorded[r.Date] = true
		if !r.Date.Before(histFrom) && !r.Date.After(histTo) && cal.CounterHours(r.Date).Open() {
			sums[r.Type] += r.Received
			days[r.Date] = true
		}
	}
	if len(days) == 0 {
		return nil
	}
	types := make([]string, 0, len(sums))
	for t := range sums {
		types = append(types, t)
	}
	slices.Sort(types)
	var out []api.IntakeRow
	for d := from; !d.After(to); d = d.AddDays(1) {
		if recorded[d] || !cal.CounterHours(d).Open() {
			continue
		}
		for _, t := range types {
			if mean := (sums[t] + len(days)/2) / len(days); mean > 0 {
				out = append(out, api.IntakeRow{Date: d, Type: t, Received: mean})
			}
		}
	}
	return out
}
