package reportdata

import (
	"time"

	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/sla"
	"github.com/pantau-id/pantau/web/format"
)

// AssumeEnd is the one assumption every backlog figure makes about an
// outage still open: the office page, the province and national pages,
// reports, exports and Slack all close it here, so they show the same
// backlog. It is asked (a "what if" someone entered) when that is after
// the outage's start, else now rounded up to the next 15 minutes: the
// link back at once. The model counts a 15-minute slot the outage touches
// as down, so the rounding changes no figure; it makes the time read as
// the model uses it.
func AssumeEnd(asked, openStart, now time.Time) time.Time {
	if !asked.IsZero() && asked.After(openStart) {
		return asked.UTC()
	}
	end := now.UTC().Truncate(backlog.Slot)
	if end.Before(now) {
		end = end.Add(backlog.Slot)
	}
	if !end.After(openStart) {
		end = openStart.UTC().Truncate(backlog.Slot).Add(backlog.Slot)
	}
	return end
}

// Assumed is the assumed end of r's open outage (Outage.Assumed), if r
// has one: what AssumptionText states beside its figures.
func Assumed(r *report.Report) (time.Time, bool) {
	for _, o := range r.Outages {
		if o.Assumed {
			return o.End, true
		}
	}
	return time.Time{}, false
}

// AssumptionText states an assumed end beside a figure, in the office's
// zone: "dengan asumsi koneksi kembali 8 Januari 2020 10.15 WITA", or in
// English "assuming the link is back on 8 January 2020 10:15 WITA".
func AssumptionText(lang string, end time.Time, loc *time.Location) string {
	t := format.DateTime(lang, end.In(loc))
	if lang == format.EN {
		return "assuming the link is back on " + t
	}
	return "dengan asumsi koneksi kembali " + t
}

// MeasuredText says what an availability figure was measured over:
// "diukur 4 mnt dari 14 hari" ("measured over 4 min of 14 d"), followed
// by "; data belum cukup" ("; not enough data") when the coverage is below
// sla.MinCoverage.
func MeasuredText(lang string, t sla.Time) string {
	m, p := format.Duration(lang, time.Duration(t.Measured)), format.Duration(lang, time.Duration(t.Period))
	s := "diukur " + m + " dari " + p
	if lang == format.EN {
		s = "measured over " + m + " of " + p
	}
	if !t.Enough {
		if lang == format.EN {
			return s + "; not enough data"
		}
		return s + "; data belum cukup"
	}
	return s
}
