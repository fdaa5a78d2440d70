package webui

import (
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/sla"
	"github.com/pantau-id/pantau/web"
)

// officeBook is an office report as a download: the SLA summary, the
// overtime plan, the days and the outages, every time in the office's zone
// and every figure the one its page shows (the same officeDetail).
func officeBook(lang string, d *officeDetail, now time.Time) book {
	title := fmt.Sprintf("Pantau %s %s %s – %s", d.Office.Code, d.Office.Name, d.Period.From, d.Period.To)
	return book{Lang: lang, CSV: "days", Title: title, Sheets: []sheet{
		officeSummary(lang, d, now), officePlan(lang, d), officeDays(lang, d), officeOutages(lang, d),
	}}
}

// summaryRow is one line of a summary sheet: what, value, note.
func summaryRow(lang, key string, v any, note ...string) []any {
	row := []any{xl(lang, key), v}
	if len(note) > 0 && note[0] != "" {
		row = append(row, note[0])
	}
	return row
}

func officeSummary(lang string, d *officeDetail, now time.Time) sheet {
	loc := d.Period.Loc
	s := sheet{Key: "summary", Name: xl(lang, "sheet.summary"), Header: []string{xl(lang, "col.measure"), xl(lang, "col.value"), xl(lang, "col.note")}}
	t := d.Backlog.Totals
	s.Rows = append(s.Rows,
		summaryRow(lang, "sum.office", d.Office.Name, d.Office.Code),
		summaryRow(lang, "sum.province", d.Province),
		summaryRow(lang, "sum.from", d.Period.From),
		summaryRow(lang, "sum.to", d.Period.To),
		summaryRow(lang, "sum.zone", d.Zone, d.Office.TZ),
		summaryRow(lang, "sum.made", now.In(loc), d.Zone),
		summaryRow(lang, "sum.received", t.Received),
		summaryRow(lang, "sum.ontime", t.OnTime),
		summaryRow(lang, "sum.late", t.Late, xl(lang, "sum.late.note")),
		summaryRow(lang, "sum.pending", t.Pending),
		summaryRow(lang, "sum.compliance", share(t.Compliance)),
		summaryRow(lang, "sum.maxlate", round2(time.Duration(t.MaxLateness).Hours())),
	)
	s.Rows = append(s.Rows, availabilityRows(lang, d.SLA)...)
	s.Rows = append(s.Rows,
		summaryRow(lang, "sum.overtime", t.OvertimeHours),
		summaryRow(lang, "sum.staffhours", t.StaffHours),
		summaryRow(lang, "sum.cost", t.Cost),
		summaryRow(lang, "sum.feasible", yesNo(lang, d.Backlog.Feasible)),
	)
	if n := len(d.Backlog.Days); n > 0 {
		s.Rows = append(s.Rows, summaryRow(lang, "sum.backlog", d.Backlog.Days[n-1].Backlog))
	}
	s.Rows = append(s.Rows, clearanceRow(lang, d))
	if r := projectedRow(lang, d.Backlog.Days); r != nil {
		s.Rows = append(s.Rows, r)
	}
	if d.OpenSince != nil {
		s.Rows = append(s.Rows, summaryRow(lang, "sum.open", d.OpenSince.In(loc), d.Zone))
	}
	if d.Assumption != "" {
		s.Rows = append(s.Rows, summaryRow(lang, "sum.assumption", d.Assumption))
	}
	if p := d.Promise; p != nil {
		switch {
		case p.Kept && p.Deadline != nil:
			s.Rows = append(s.Rows, summaryRow(lang, "sum.promise", p.Deadline.In(loc), d.Zone),
				summaryRow(lang, "sum.promise.ot", p.OvertimeHours, web.T(lang, "promise.overtime")+" "+formatRupiah(p.Cost)))
		case !p.Kept:
			s.Rows = append(s.Rows, summaryRow(lang, "sum.promise", xl(lang, "sum.promise.broken")),
				summaryRow(lang, "sum.promise.late", p.Late, reportdata.AssumptionText(lang, p.ReturnAt, loc)))
		}
	}
	return s
}

// clearanceRow is the clearance date, with the assumption it rests on.
func clearanceRow(lang string, d *officeDetail) []any {
	if c := d.Backlog.Clearance; c != nil {
		return summaryRow(lang, "sum.clearance", *c, d.Assumption)
	}
	return summaryRow(lang, "sum.clearance", "—", xl(lang, "sum.clearance.none"))
}

// availabilityRows are availability with what it was measured over, as
// the page's SLA table shows them: the share, the coverage, and the
// outages' times in minutes; MTBF only with two outages or more.
func availabilityRows(lang string, a sla.Report) [][]any {
	pct := func(v *float64) any {
		if v == nil {
			return "—"
		}
		return share(*v)
	}
	mins := func(d any) float64 { return minutes(asDuration(d)) }
	// MTBF needs two outages of one office: a province's two offices
	// with one outage each have none (SumAvailability leaves it zero).
	var mtbf any = mins(a.MTBF)
	mtbfNote := ""
	if !a.HasMTBF() || a.MTBF == 0 {
		mtbf, mtbfNote = "—", xl(lang, "sum.mtbf.none")
	}
	short := func(t sla.Time) string {
		if t.Coverage != nil && !t.Enough {
			return xl(lang, "sum.coverage.note")
		}
		return ""
	}
	return [][]any{
		summaryRow(lang, "sla.avail24", pct(a.All.Availability), reportdata.MeasuredText(lang, a.All)),
		summaryRow(lang, "sum.coverage24", pct(a.All.Coverage), short(a.All)),
		summaryRow(lang, "sla.availwork", pct(a.WorkingHours.Availability), reportdata.MeasuredText(lang, a.WorkingHours)),
		summaryRow(lang, "sum.coveragework", pct(a.WorkingHours.Coverage), short(a.WorkingHours)),
		summaryRow(lang, "sla.outages", a.Outages),
		{web.T(lang, "sla.longest") + " " + xl(lang, "sum.minutes"), mins(a.Longest)},
		{web.T(lang, "sla.downtime") + " " + xl(lang, "sum.minutes"), mins(a.All.Down)},
		{web.T(lang, "sla.mttr") + " " + xl(lang, "sum.minutes"), mins(a.MTTR)},
		{web.T(lang, "sla.mtbf") + " " + xl(lang, "sum.minutes"), mtbf, mtbfNote},
		{web.T(lang, "sla.unknown") + " " + xl(lang, "sum.minutes"), mins(a.All.Unknown)},
		{web.T(lang, "sla.maintenance") + " " + xl(lang, "sum.minutes"), mins(a.All.Maintenance)},
	}
}

// dayMark says whether a day's figures are recorded or a forecast (the
// day has not ended), in the pages' words.
func dayMark(lang string, day report.Day) string {
	if day.Forecast {
		return web.T(lang, "day.forecast")
	}
	return xl(lang, "col.recorded")
}

// intakeMark says whether a day's intake was recorded or is the office's
// usual intake standing in for none recorded.
func intakeMark(lang string, day report.Day) string {
	if day.Projected {
		return web.T(lang, "day.projected")
	}
	return xl(lang, "col.recorded")
}

// projectedRow states, when some days' intake is projected, how many: the
// clearance date never silently assumes that no files arrive.
func projectedRow(lang string, days []report.Day) []any {
	n := 0
	for _, d := range days {
		if d.Projected {
			n++
		}
	}
	if n == 0 {
		return nil
	}
	return summaryRow(lang, "sum.projected", n, xl(lang, "sum.projected.note"))
}

// officePlan is the page's overtime plan: the days with overtime, forecast
// ones marked, then the total, the clearance date and the assumption.
func officePlan(lang string, d *officeDetail) sheet {
	loc := d.Period.Loc
	s := sheet{Key: "plan", Name: xl(lang, "sheet.plan"), Header: []string{xl(lang, "col.date"), xl(lang, "col.overtime"),
		xl(lang, "col.staffhours"), xl(lang, "col.cost"), zoned(lang, "col.otstart", d.Zone), xl(lang, "col.mark"), xl(lang, "col.note")}}
	for _, day := range d.PlanDays {
		var start any
		if !day.OvertimeStart.IsZero() {
			start = day.OvertimeStart.In(loc)
		}
		note := day.Holiday
		if !day.Working {
			note = joinNote(xl(lang, "col.closedday"), day.Holiday)
		}
		s.Rows = append(s.Rows, []any{day.Date, day.OvertimeHours, day.StaffHours, day.Cost, start, dayMark(lang, day), note})
	}
	t := d.Backlog.Totals
	if len(d.PlanDays) == 0 {
		s.Notes = append(s.Notes, []any{xl(lang, "note.noovertime")})
	} else {
		s.Notes = append(s.Notes, []any{xl(lang, "note.total"), t.OvertimeHours, t.StaffHours, t.Cost})
	}
	s.Notes = append(s.Notes, clearanceRow(lang, d))
	if d.Assumption != "" {
		s.Notes = append(s.Notes, summaryRow(lang, "sum.assumption", d.Assumption))
	}
	return s
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + " (" + b + ")"
}

// officeDays is one row per office date: intake, backlog, overtime, the
// day's availability and its down, unknown and maintenance minutes.
func officeDays(lang string, d *officeDetail) sheet {
	s := sheet{Key: "days", Name: xl(lang, "sheet.days"), Header: []string{xl(lang, "col.date"), xl(lang, "col.received"),
		xl(lang, "col.completed"), xl(lang, "col.backlog"), xl(lang, "col.overtime"), xl(lang, "col.staffhours"), xl(lang, "col.cost"),
		xl(lang, "col.overdue"), xl(lang, "col.ontime"), xl(lang, "col.avail24"), xl(lang, "col.down"), xl(lang, "col.unknown"),
		xl(lang, "col.maint"), xl(lang, "col.normal"), xl(lang, "col.working"), xl(lang, "col.holiday"), xl(lang, "col.mark"),
		xl(lang, "col.intake")}}
	for _, day := range d.Backlog.Days {
		a, b := day.Date.In(d.Period.Loc, 0), day.Date.AddDays(1).In(d.Period.Loc, 0)
		// A day not yet begun has no state: its minutes stay empty, not 0.
		tl := clip(d.Timeline, a, b)
		var avail, down, unknown, maint any
		if len(tl) > 0 {
			tot := detect.Totals(tl)
			down, unknown, maint = minutes(tot[api.StateDown]), minutes(tot[api.StateUnknown]), minutes(tot[api.StateMaintenance])
		}
		if v, ok := detect.Availability(tl); ok {
			avail = share(v)
		}
		var holiday any
		if day.Holiday != "" {
			holiday = day.Holiday
		}
		s.Rows = append(s.Rows, []any{day.Date, day.Received, day.Completed, day.Backlog, day.OvertimeHours, day.StaffHours, day.Cost,
			day.Overdue, day.OnTime, avail, down, unknown, maint, day.Normal,
			yesNo(lang, day.Working), holiday, dayMark(lang, day), intakeMark(lang, day)})
	}
	t := d.Backlog.Totals
	s.Notes = append(s.Notes, []any{xl(lang, "note.total"), t.Received, nil, nil, t.OvertimeHours, t.StaffHours, t.Cost})
	return s
}

// officeOutages are the central outages of the period, times in the
// office's zone; an open one has no end.
func officeOutages(lang string, d *officeDetail) sheet {
	loc := d.Period.Loc
	s := sheet{Key: "outages", Name: xl(lang, "sheet.outages"), Header: []string{xl(lang, "col.target"), zoned(lang, "col.start", d.Zone),
		zoned(lang, "col.end", d.Zone), xl(lang, "col.duration"), xl(lang, "col.cause"), xl(lang, "col.inmaint")}}
	for _, o := range d.Outages {
		var end any = web.T(lang, "office.open")
		if o.EndedAt != nil {
			end = o.EndedAt.In(loc)
		}
		s.Rows = append(s.Rows, []any{o.TargetName, o.StartedAt.In(loc), end, round2(o.DurationSeconds / 60),
			web.T(lang, "cause."+string(o.Cause)), yesNo(lang, o.InMaintenance)})
	}
	return s
}
