package escalate

import (
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// The civil-service default calendar, kept tiny on purpose: the full model
// (holidays, Ramadan hours, per-office overrides) lives in report/. Monday to
// Friday, 07:30–15:00 in the office's zone (37.5 hours a week).
const (
	workStart = 7*time.Hour + 30*time.Minute
	workEnd   = 15 * time.Hour
)

// WorkingBetween returns how much of [from, to) falls inside working hours
// in loc.
func WorkingBetween(from, to time.Time, loc *time.Location) time.Duration {
	if !to.After(from) {
		return 0
	}
	from, to = from.In(loc), to.In(loc)
	var total time.Duration
	day := time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc)
	for !day.After(to) {
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			// Indonesian zones have no DST, so wall-clock offsets are exact.
			start, end := day.Add(workStart), day.Add(workEnd)
			if from.After(start) {
				start = from
			}
			if to.Before(end) {
				end = to
			}
			if end.After(start) {
				total += end.Sub(start)
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return total
}

// loadZone returns the named zone, or WIB for a bad name
// (calendar.LoadZone), so a bad zone never stops an alert.
func loadZone(name string) *time.Location {
	loc, _ := calendar.LoadZone(name)
	return loc
}
