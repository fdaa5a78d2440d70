package webui

import (
	"fmt"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
	"github.com/pantau-id/pantau/web"
)

// provinceBook is a province report as a download: the summed SLA
// summary, one row per office, the offices' overtime plans and the
// incidents. As on the province page, the province's own times (made,
// incidents) are in its zone, labelled; each office's own times (its open
// outage, the assumed return, overtime starts) are in that office's zone,
// with a zone column beside them.
func provinceBook(lang string, d *provinceDetail, now time.Time) book {
	title := fmt.Sprintf("Pantau %s %s %s – %s", d.Province.Code, d.Province.Name, d.Period.From, d.Period.To)
	return book{Lang: lang, CSV: "offices", Title: title, Sheets: []sheet{
		provinceSummary(lang, d, now), provinceOffices(lang, d), provincePlan(lang, d), provinceIncidents(lang, d),
	}}
}

// provinceClearance is the latest clearance date among the offices and
// whose it is.
func provinceClearance(d *provinceDetail) (*calendar.Date, string) {
	var last *calendar.Date
	name := ""
	for _, o := range d.Offices {
		if c := o.Report.Clearance; c != nil && (last == nil || c.After(*last)) {
			last, name = c, o.Office.Name
		}
	}
	return last, name
}

// provinceAssumption states the assumed return of the offices' open
// outages in the province's zone ("" with none open). Every office closes
// an open outage by the same rule (reportdata.AssumeEnd), so one line
// says it for all.
func provinceAssumption(lang string, d *provinceDetail) string {
	for _, o := range d.Offices {
		if o.AssumeEnd != nil {
			return reportdata.AssumptionText(lang, *o.AssumeEnd, d.Period.Loc)
		}
	}
	return ""
}

func provinceSummary(lang string, d *provinceDetail, now time.Time) sheet {
	s := sheet{Key: "summary", Name: xl(lang, "sheet.summary"), Header: []string{xl(lang, "col.measure"), xl(lang, "col.value"), xl(lang, "col.note")}}
	var t report.Totals
	avails := make([]*sla.Report, 0, len(d.Offices))
	for _, o := range d.Offices {
		ot := o.Report.Totals
		t.Received += ot.Received
		t.OnTime += ot.OnTime
		t.Late += ot.Late
		t.Pending += ot.Pending
		t.MaxLateness = max(t.MaxLateness, ot.MaxLateness)
		t.StaffHours += ot.StaffHours
		avails = append(avails, &o.SLA)
	}
	// As report.Totals: on time over received, all on time with none.
	t.Compliance = 1
	if t.Received > 0 {
		t.Compliance = float64(t.OnTime) / float64(t.Received)
	}
	s.Rows = append(s.Rows,
		summaryRow(lang, "sum.province", d.Province.Name, d.Province.Code),
		summaryRow(lang, "sum.offices", len(d.Offices)),
		summaryRow(lang, "sum.from", d.Period.From),
		summaryRow(lang, "sum.to", d.Period.To),
		summaryRow(lang, "sum.zone", web.ZoneLabel(d.Province.TZ), d.Province.TZ),
		summaryRow(lang, "sum.made", now.In(d.Period.Loc), web.ZoneLabel(d.Province.TZ)),
		summaryRow(lang, "sum.received", t.Received),
		summaryRow(lang, "sum.ontime", t.OnTime),
		summaryRow(lang, "sum.late", t.Late, xl(lang, "sum.late.note")),
		summaryRow(lang, "sum.pending", t.Pending),
		summaryRow(lang, "sum.compliance", share(t.Compliance)),
		summaryRow(lang, "sum.maxlate", round2(time.Duration(t.MaxLateness).Hours())),
	)
	if a := reportdata.SumAvailability(avails); a != nil {
		s.Rows = append(s.Rows, availabilityRows(lang, *a)...)
	}
	s.Rows = append(s.Rows,
		summaryRow(lang, "sum.overtime", d.Totals.OvertimeHours),
		summaryRow(lang, "sum.staffhours", t.StaffHours),
		summaryRow(lang, "sum.cost", d.Totals.Cost),
		summaryRow(lang, "sum.backlog", d.Totals.Backlog),
	)
	assumption := provinceAssumption(lang, d)
	if c, name := provinceClearance(d); c != nil {
		s.Rows = append(s.Rows, summaryRow(lang, "sum.clearance", *c, xl(lang, "sum.clearance.last")+": "+name))
	} else {
		s.Rows = append(s.Rows, summaryRow(lang, "sum.clearance", "—", xl(lang, "sum.clearance.none")))
	}
	if assumption != "" {
		s.Rows = append(s.Rows, summaryRow(lang, "sum.assumption", assumption))
	}
	return s
}

// provinceOffices is the page's table of offices with what the summary
// needs beside it: coverage, documents, clearance, an open outage.
func provinceOffices(lang string, d *provinceDetail) sheet {
	s := sheet{Key: "offices", Name: xl(lang, "sheet.offices"), Header: []string{xl(lang, "col.code"), xl(lang, "col.office"),
		xl(lang, "col.zone"), xl(lang, "col.state"), xl(lang, "col.avail24"), xl(lang, "col.coverage"), xl(lang, "col.outages"),
		xl(lang, "col.received"), xl(lang, "col.ontime"), xl(lang, "col.late"), xl(lang, "col.compliance"), xl(lang, "col.backlogend"),
		xl(lang, "col.overtime"), xl(lang, "col.staffhours"), xl(lang, "col.cost"), xl(lang, "col.clearance"),
		xl(lang, "col.opensince"), xl(lang, "col.assumed")}}
	for _, o := range d.Offices {
		loc := officeLocation(o.Office.TZ)
		t := o.Report.Totals
		row := []any{o.Office.Code, o.Office.Name, web.ZoneLabel(o.Office.TZ), o.State.StateLabel, optShare(o.Availability),
			optShare(o.SLA.All.Coverage), o.Outages, t.Received, t.OnTime, t.Late, share(t.Compliance), o.Backlog,
			o.OvertimeHours, t.StaffHours, o.Cost, optDate(o.Report.Clearance), optTime(o.OpenSince, loc), optTime(o.AssumeEnd, loc)}
		s.Rows = append(s.Rows, row)
	}
	s.Notes = append(s.Notes, []any{xl(lang, "note.total"), nil, nil, nil, nil, nil, d.Totals.Outages, nil, nil, nil, nil,
		d.Totals.Backlog, d.Totals.OvertimeHours, nil, d.Totals.Cost})
	if a := provinceAssumption(lang, d); a != "" {
		s.Notes = append(s.Notes, summaryRow(lang, "sum.assumption", a))
	}
	return s
}

// provincePlan is every office's days with overtime.
func provincePlan(lang string, d *provinceDetail) sheet {
	s := sheet{Key: "plan", Name: xl(lang, "sheet.plan"), Header: []string{xl(lang, "col.code"), xl(lang, "col.office"),
		xl(lang, "col.date"), xl(lang, "col.overtime"), xl(lang, "col.staffhours"), xl(lang, "col.cost"), xl(lang, "col.zone"),
		xl(lang, "col.otstart") + " (" + xl(lang, "col.local") + ")", xl(lang, "col.mark"), xl(lang, "col.note")}}
	for _, o := range d.Offices {
		loc := officeLocation(o.Office.TZ)
		for _, day := range o.Report.Days {
			if day.OvertimeHours == 0 {
				continue
			}
			var start any
			if !day.OvertimeStart.IsZero() {
				start = day.OvertimeStart.In(loc)
			}
			note := day.Holiday
			if !day.Working {
				note = joinNote(xl(lang, "col.closedday"), day.Holiday)
			}
			s.Rows = append(s.Rows, []any{o.Office.Code, o.Office.Name, day.Date, day.OvertimeHours, day.StaffHours, day.Cost,
				web.ZoneLabel(o.Office.TZ), start, dayMark(lang, day), note})
		}
	}
	if len(s.Rows) == 0 {
		s.Notes = append(s.Notes, []any{xl(lang, "note.noovertime")})
	} else {
		staff := 0
		for _, o := range d.Offices {
			staff += o.Report.Totals.StaffHours
		}
		s.Notes = append(s.Notes, []any{xl(lang, "note.total"), nil, nil, d.Totals.OvertimeHours, staff, d.Totals.Cost})
	}
	if c, name := provinceClearance(d); c != nil {
		s.Notes = append(s.Notes, summaryRow(lang, "sum.clearance", *c, xl(lang, "sum.clearance.last")+": "+name))
	}
	if a := provinceAssumption(lang, d); a != "" {
		s.Notes = append(s.Notes, summaryRow(lang, "sum.assumption", a))
	}
	return s
}

// provinceIncidents are the page's incidents, in the province's zone.
func provinceIncidents(lang string, d *provinceDetail) sheet {
	loc, zone := d.Period.Loc, web.ZoneLabel(d.Province.TZ)
	s := sheet{Key: "incidents", Name: xl(lang, "sheet.incidents"), Header: []string{xl(lang, "col.id"), zoned(lang, "col.start", zone),
		zoned(lang, "col.end", zone), xl(lang, "col.scope"), xl(lang, "col.cause"), xl(lang, "col.peak"), xl(lang, "col.monitored"),
		xl(lang, "col.offices"), xl(lang, "col.ack"), zoned(lang, "col.ackat", zone)}}
	for _, i := range d.Incidents {
		var end any = web.T(lang, "office.open")
		if i.EndedAt != nil {
			end = i.EndedAt.In(loc)
		}
		names := make([]string, 0, len(i.Offices))
		for _, o := range i.Offices {
			if n, ok := d.Names[o.OfficeCode]; ok {
				names = append(names, n)
			} else {
				names = append(names, o.OfficeCode)
			}
		}
		var who, at any
		if a, ok := d.Acks[i.ID]; ok && a.At != nil {
			who, at = a.Who(), a.At.In(loc)
		}
		s.Rows = append(s.Rows, []any{i.ID, i.StartedAt.In(loc), end, web.T(lang, "scope."+i.Scope), web.T(lang, "cause."+string(i.Cause)),
			i.PeakOffices, i.MonitoredOffices, strings.Join(names, ", "), who, at})
	}
	return s
}

func optShare(v *float64) any {
	if v == nil {
		return nil
	}
	return share(*v)
}

func optDate(d *calendar.Date) any {
	if d == nil {
		return nil
	}
	return *d
}

func optTime(t *time.Time, loc *time.Location) any {
	if t == nil {
		return nil
	}
	return t.In(loc)
}
