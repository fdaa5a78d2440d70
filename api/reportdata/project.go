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
// counter hours and no record in rows: per document type,
// the mean (rounded) of what the recorded days with counter hours received
// in the historyDays before the first such day, counting a recorded day
// without that type as zero; when those days hold no record, the recorded
// days of [from, to] themselves (an office that began recording inside
// the period). It returns the guesses and the first day projected;
// nothing when no day is recorded at all.
func projectIntake(rows []api.IntakeRow, cal *calendar.Calendar, from, to calendar.Date) ([]api.IntakeRow, calendar.Date) {
	recorded := map[calendar.Date]bool{}
	for _, r := range rows {
		recorded[r.Date] = true
	}
	first := calendar.Date{}
	for d := from; !d.After(to); d = d.AddDays(1) {
		if !recorded[d] && cal.CounterHours(d).Open() {
			first = d
			break
		}
	}
	if first.IsZero() {
		return nil, first
	}
	sums, days := usual(rows, cal, first.AddDays(-historyDays), first.AddDays(-1))
	if days == 0 {
		sums, days = usual(rows, cal, from, to)
	}
	if days == 0 {
		return nil, first
	}
	types := make([]string, 0, len(sums))
	for t := range sums {
		types = append(types, t)
	}
	slices.Sort(types)
	var out []api.IntakeRow
	for d := first; !d.After(to); d = d.AddDays(1) {
		if recorded[d] || !cal.CounterHours(d).Open() {
			continue
		}
		for _, t := range types {
			if mean := (sums[t] + days/2) / days; mean > 0 {
				out = append(out, api.IntakeRow{Date: d, Type: t, Received: mean})
			}
		}
	}
	return out, first
}

// usual sums the files per type of the recorded days with counter hours
// in [from, to], and counts those days.
func usual(rows []api.IntakeRow, cal *calendar.Calendar, from, to calendar.Date) (map[string]int, int) {
	sums := map[string]int{}
	days := map[calendar.Date]bool{}
	for _, r := range rows {
		if !r.Date.Before(from) && !r.Date.After(to) && cal.CounterHours(r.Date).Open() {
			sums[r.Type] += r.Received
			days[r.Date] = true
		}
	}
	return sums, len(days)
}
