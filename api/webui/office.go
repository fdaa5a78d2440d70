package webui

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
	"github.com/pantau-id/pantau/report/sla"
	"github.com/pantau-id/pantau/web"
)

// officeDetail is everything the office page and its printed report show.
type officeDetail struct {
	Office    api.Office
	Province  string // the province's name, for the letter
	Zone      string
	Period    period
	State     boardRow
	Timeline  []api.StateInterval
	Outages   []api.Outage
	SLA       sla.Report
	Backlog   *report.Report
	AssumeEnd *time.Time // the "what if" end of an open outage
	OpenSince *time.Time // start of the open central outage, if any
	Settings  report.Office
	Charts    struct{ Timeline, Backlog template.HTML }
	// Assumption states how an open outage is closed for every figure
	// that depends on it ("dengan asumsi koneksi kembali …"); empty with
	// no open outage.
	Assumption string
	// ShowPlan is true whenever there is a backlog or an open outage: the
	// page then shows the overtime plan; PlanDays are its days with
	// overtime.
	ShowPlan bool
	PlanDays []report.Day
	// Promise is the promise deadline while a central outage is open.
	Promise *report.Promise
	// Monitor is each target's response time and heartbeats (the office
	// page only, not its print).
	Monitor     *officeMonitor
	CanIntake   bool
	CanSettings bool
	HasIntake   bool
	DocTypes    doctype.Catalogue
}

// defaultOffice is the model's office when the office has recorded no
// settings of its own: the civil-service calendar in its zone, the national
// document catalogue, and api.DefaultOfficeSettings' staff and rates.
func defaultOffice(o api.Office) report.Office {
	st := api.DefaultOfficeSettings(o.Code)
	return report.Office{
		Code: o.Code, Name: o.Name, Calendar: calendar.Default(officeLocation(o.TZ)), Types: doctype.Defaults(),
		Staff: st.Staff, OvertimeCap: st.OvertimeCap, Rates: report.Rates{Hourly: st.OvertimeHourly, Meal: st.MealAllowance},
	}
}

// openSince is the start of the earliest of outs still open (nil: none).
func openSince(outs []api.Outage) *time.Time {
	var since *time.Time
	for _, out := range outs {
		if out.EndedAt == nil && (since == nil || out.StartedAt.Before(*since)) {
			st := out.StartedAt
			since = &st
		}
	}
	return since
}

// buildOfficeDetail reads and computes an office's figures over per.
// assumeEnd, when non-zero, closes an open outage for the backlog model
// (the "what if"); otherwise an open outage is assumed to end now.
func (p *Pages) buildOfficeDetail(ctx context.Context, lang string, o api.Office, per period, assumeEnd time.Time) (*officeDetail, error) {
	now := p.now()
	d := &officeDetail{Office: o, Zone: web.ZoneLabel(o.TZ), Period: per, Settings: defaultOffice(o), DocTypes: doctype.Defaults()}
	end := per.capped(now)
	if !end.After(per.Start) {
		end = per.Start.Add(time.Second)
	}
	var err error
	if d.Timeline, err = p.store.OfficeTimeline(ctx, o.Code, per.Start, end, now); err != nil {
		return nil, err
	}
	if d.Outages, err = p.centralOutages(ctx, o.Code, per.Start, end, now); err != nil {
		return nil, err
	}
	d.OpenSince = openSince(d.Outages)
	states, err := p.officeStates(ctx, []api.Office{o}, api.OfficeFilter{Code: o.Code}, now)
	if err != nil {
		return nil, err
	}
	d.State = boardRowOf(lang, o.TZ, o, states[0])
	d.Province = o.ProvinceCode
	if provinces, err := p.store.Provinces(ctx); err == nil {
		for _, pr := range provinces {
			if pr.Code == o.ProvinceCode {
				d.Province = pr.Name
			}
		}
	}
	if d.OpenSince != nil {
		assumeEnd = reportdata.AssumeEnd(assumeEnd, *d.OpenSince, now)
		d.AssumeEnd = &assumeEnd
	}
	// The backlog model with the office's own settings, holidays, document
	// types and intake, as the report layer builds it.
	rep, err := p.reports().Office(ctx, o, reportdata.Period{From: per.From, To: per.To, AssumeEnd: timeOr(d.AssumeEnd)})
	if err != nil {
		return nil, err
	}
	d.Backlog, d.HasIntake = rep.Report, len(rep.Intake) > 0
	if rep.Availability != nil {
		d.SLA = *rep.Availability
	}
	d.Settings.Staff, d.Settings.OvertimeCap = rep.Settings.Staff, rep.Settings.OvertimeCap
	d.Settings.Rates = report.Rates{Hourly: rep.Settings.OvertimeHourly, Meal: rep.Settings.MealAllowance}
	if d.AssumeEnd != nil {
		d.Assumption = reportdata.AssumptionText(lang, *d.AssumeEnd, per.Loc)
		if d.Promise, err = p.reports().Promise(ctx, o); err != nil {
			return nil, err
		}
	}
	for _, day := range d.Backlog.Days {
		if day.OvertimeHours > 0 {
			d.PlanDays = append(d.PlanDays, day)
		}
		if day.Backlog > day.Normal {
			d.ShowPlan = true
		}
	}
	d.ShowPlan = d.ShowPlan || d.OpenSince != nil || len(d.PlanDays) > 0
	d.Charts.Timeline = timelineChart(lang, o.TZ, per, d.Timeline)
	d.Charts.Backlog = backlogChart(lang, d.Backlog, d.Backlog.Outages, per.Loc)
	return d, nil
}

// OfficePage is an office's page: link state, outages, intake, backlog and
// overtime, SLA, and the "what if" for an open outage (?back=YYYY-MM-DD).
func (p *Pages) OfficePage(c *gin.Context) error {
	o, err := p.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	loc := officeLocation(o.TZ)
	per, err := parsePeriod(c, loc, p.now(), 14)
	if err != nil {
		return err
	}
	assume, err := parseAssume(c, loc)
	if err != nil {
		return err
	}
	rt, err := parseRT(c)
	if err != nil {
		return err
	}
	d, err := p.buildOfficeDetail(c.Request.Context(), auth.LangOf(c), o, per, assume)
	if err != nil {
		return err
	}
	if d.Monitor, err = p.monitor(c.Request.Context(), auth.LangOf(c), o, rt, c.Request.URL.Query(), p.now()); err != nil {
		return err
	}
	d.CanIntake = auth.ScopeOf(c).RecordsIntakeFor(o.Code)
	if sess := auth.SessionOf(c); sess != nil {
		d.CanSettings = slices.Contains(auth.RolesSettings, sess.User.Role)
	}
	return p.render(c, http.StatusOK, "office", "office.timeline", d)
}

// parseAssume reads ?back=YYYY-MM-DD[THH:MM] as the office-local instant an
// open outage is assumed to end; a bare date means the start of its working
// day.
func parseAssume(c *gin.Context, loc *time.Location) (time.Time, error) {
	s := c.Query("back")
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", s, loc); err == nil {
		return t, nil
	}
	d, err := calendar.ParseDate(s)
	if err != nil {
		return time.Time{}, api.FieldErrorf("back", "want a date as 2020-01-11 or 2020-01-11T09:00")
	}
	return calendar.Default(loc).WorkStart(calendar.Default(loc).WorkingDayOnOrAfter(d)), nil
}

func timeOr(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// boardRowOf writes one office's state in words, its times in zone tz
// (the page's: the office's on its own page, the viewer's on the board).
func boardRowOf(lang, tz string, o api.Office, st api.OfficeState) boardRow {
	row := boardRow{Code: o.Code, Name: o.Name, State: st.State, SinceAt: st.Since, AgeSeconds: st.LastResultAgeSeconds, Cause: st.Cause}
	row.StateLabel = web.T(lang, "state."+string(st.State))
	if st.Cause != "" && st.State == api.StateDown {
		row.StateLabel += " (" + web.T(lang, "cause."+string(st.Cause)) + ")"
	}
	row.Since, row.Age = "—", web.T(lang, "board.never")
	if st.Since != nil {
		row.Since = web.FormatTime(lang, tz, *st.Since)
	}
	if st.LastResultAgeSeconds != nil {
		row.Age = web.FormatDuration(lang, time.Duration(*st.LastResultAgeSeconds*float64(time.Second))) + " " + web.T(lang, "board.ago")
	}
	return row
}
