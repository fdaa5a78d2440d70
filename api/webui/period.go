package webui

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// period is a span of office dates [From, To] (both included) and the
// instants that bound it in the office's zone.
type period struct {
	From, To   calendar.Date
	Start, End time.Time // local midnight of From; local midnight after To
	Loc        *time.Location
}

// maxPeriodDays bounds a page or report period: reports read outages and
// intake, never months of raw rows, but a year of days is still the limit.
const maxPeriodDays = 366

// officeLocation loads an office's zone, WIB for a bad name
// (calendar.LoadZone; the region import validates zones, so a page is
// drawn rather than failed for one).
func officeLocation(tz string) *time.Location {
	loc, _ := calendar.LoadZone(tz)
	return loc
}

// parsePeriod reads ?from=YYYY-MM-DD&to=YYYY-MM-DD in zone loc; the default
// is the defaultDays days up to today.
func parsePeriod(c *gin.Context, loc *time.Location, now time.Time, defaultDays int) (period, error) {
	p := defaultPeriod(loc, now, defaultDays)
	if s := c.Query("to"); s != "" {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return period{}, api.FieldErrorf("to", "want a date as 2020-01-31")
		}
		p.To = d
		if c.Query("from") == "" {
			p.From = d.AddDays(-(defaultDays - 1))
		}
	}
	if s := c.Query("from"); s != "" {
		d, err := calendar.ParseDate(s)
		if err != nil {
			return period{}, api.FieldErrorf("from", "want a date as 2020-01-01")
		}
		p.From = d
	}
	if p.To.Before(p.From) {
		return period{}, api.FieldErrorf("to", "%s is before from %s", p.To, p.From)
	}
	if p.From.DaysUntil(p.To) >= maxPeriodDays {
		return period{}, api.FieldErrorf("from", "a period is at most %d days", maxPeriodDays)
	}
	p.Start, p.End = p.From.In(loc, 0), p.To.AddDays(1).In(loc, 0)
	return p, nil
}

// defaultPeriod is the days days up to today in loc.
func defaultPeriod(loc *time.Location, now time.Time, days int) period {
	today := calendar.DateOf(now, loc)
	p := period{To: today, From: today.AddDays(-(days - 1)), Loc: loc}
	p.Start, p.End = p.From.In(loc, 0), p.To.AddDays(1).In(loc, 0)
	return p
}

// days lists the period's dates.
func (p period) days() []calendar.Date {
	var out []calendar.Date
	for d := p.From; !d.After(p.To); d = d.AddDays(1) {
		out = append(out, d)
	}
	return out
}

// capped ends the period at now: the future has no state.
func (p period) capped(now time.Time) time.Time {
	if p.End.After(now) {
		return now
	}
	return p.End
}
