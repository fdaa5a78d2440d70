// Package reportdata is the thin layer between the store and the pure
// model in report/: it reads an office's settings, catalogue (national
// defaults with the office's overrides), calendar (zone, hours, Ramadan,
// national holidays), intake, central outages and maintenance windows,
// fills a report.Input and runs report.Build; it sums offices into a
// province or the country with report.Aggregate, measures availability with
// report/sla from the office timeline, parses intake CSV files, and
// estimates a recovered incident's backlog for escalation (Estimator).
package reportdata

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// Period is a report's office dates, both included, and its what-if.
type Period struct {
	From, To calendar.Date
	// AssumeEnd closes an outage still open ("what if it is back then?");
	// zero: it is assumed to end now (AssumeEnd, the one rule for every
	// page, export and Slack message).
	AssumeEnd time.Time
	// PlanFrom is the first day overtime may be planned. Zero: today (in
	// the office's zone) when the period runs through today, since the
	// days already worked cannot get overtime afterwards; else From.
	PlanFrom calendar.Date
	// ProjectFrom is the first day whose intake, where none is recorded,
	// is projected: the office's usual intake (per type, the mean of the
	// recorded working days in the historyDays before the first day
	// without a record) on each day with counter hours and no record, so
	// that no day is taken as zero files in silence: a past period whose
	// following weeks have no intake recorded is cleared against the
	// usual intake, as a period into the future is. Zero: From. The
	// projection runs on past To like recorded intake (afterDays), and
	// each projected day is marked (report.Day.Projected).
	ProjectFrom calendar.Date
	// Extend moves From back to the day before a central outage still
	// open at the start of From began, so that the files it left pending
	// are simulated (the model starts From with nothing pending); at most
	// MaxDays in all. Reports say where they begin (report.From) and what
	// was asked (RequestedFrom); availability stays on the asked period.
	Extend bool
	// Plans asks an area report for each office's days with planned
	// overtime (OfficeSummary.Plan: the province report's exports).
	Plans bool
}

// MaxDays bounds a period.
const MaxDays = 366

// Validate names the first field that is wrong.
func (p Period) Validate() error {
	switch {
	case p.From.IsZero():
		return api.FieldErrorf("from", "is required (YYYY-MM-DD, an office date)")
	case p.To.IsZero():
		return api.FieldErrorf("to", "is required (YYYY-MM-DD, an office date)")
	case p.To.Before(p.From):
		return api.FieldErrorf("to", "%s is before from %s", p.To, p.From)
	case p.From.DaysUntil(p.To) >= MaxDays:
		return api.FieldErrorf("from", "a period is at most %d days", MaxDays)
	}
	return nil
}

// horizonDays is how far past To holidays are read: the model runs on to
// the last deadline plus a week, so late files are seen to completion.
const horizonDays = 120

// afterDays of intake recorded after To are given to the model too: it
// simulates files received after the period (without judging them), so
// the overtime planned inside the period knows the work that followed.
// Outages are those of the period only, so the clearance date is the
// period's.
const afterDays = 31

// Location loads an office's zone; the region import validates zones, so
// a bad one is an internal error.
func Location(o api.Office) (*time.Location, error) {
	loc, err := calendar.LoadZone(o.TZ)
	if err != nil {
		return nil, fmt.Errorf("office %s: %w", o.Code, err)
	}
	return loc, nil
}

// loaded is what one read of the store gives for a set of offices.
type loaded struct {
	settings    map[string]api.OfficeSettings
	catalogues  map[string][]doctype.Override
	holidays    []calendar.Holiday
	closures    map[string][]calendar.Holiday // each office's own closed days
	intake      map[string][]api.IntakeRow
	outages     map[string][]api.Interval
	maintenance map[string][]api.MaintenanceWindow
	series      map[string][]detect.Series // central series, for availability
}

// load reads the model's data for offices over p, a few queries for all.
func load(ctx context.Context, r *postgres.ModelReader, offices []api.Office, p Period, now time.Time) (*loaded, error) {
	codes := make([]string, len(offices))
	for i, o := range offices {
		codes[i] = o.Code
	}
	// Instants wide enough for every zone of the country (UTC+7 to +9).
	start, end := p.From.In(time.UTC, 0).Add(-10*time.Hour), p.To.AddDays(1).In(time.UTC, 0)
	var (
		l   loaded
		err error
	)
	if l.settings, err = r.Settings(ctx, codes); err != nil {
		return nil, err
	}
	if l.catalogues, err = r.DocTypeOverrides(ctx, codes); err != nil {
		return nil, err
	}
	if l.holidays, err = r.Holidays(ctx, p.From.AddDays(-1), p.To.AddDays(horizonDays)); err != nil {
		return nil, err
	}
	if l.closures, err = r.OfficeClosures(ctx, codes, p.From.AddDays(-1), p.To.AddDays(horizonDays)); err != nil {
		return nil, err
	}
	if l.intake, err = r.Intake(ctx, codes, intakeFrom(p), p.To.AddDays(afterDays)); err != nil {
		return nil, err
	}
	if l.outages, err = r.CentralOutages(ctx, codes, start, end); err != nil {
		return nil, err
	}
	if l.maintenance, err = r.Maintenance(ctx, offices, start, end); err != nil {
		return nil, err
	}
	if l.series, err = r.CentralSeries(ctx, codes, start); err != nil {
		return nil, err
	}
	return &l, nil
}

// extend returns the period's From moved back as Period.Extend says.
func extend(ctx context.Context, r *postgres.ModelReader, offices []api.Office, p Period) (calendar.Date, error) {
	codes := make([]string, len(offices))
	for i, o := range offices {
		codes[i] = o.Code
	}
	// Outages open at any zone's first instant of From.
	at := p.From.In(time.UTC, 0).Add(-10 * time.Hour)
	outs, err := r.CentralOutages(ctx, codes, at, at.Add(time.Second))
	if err != nil {
		return calendar.Date{}, err
	}
	from := p.From
	for _, o := range offices {
		loc, err := Location(o)
		if err != nil {
			return calendar.Date{}, err
		}
		start := p.From.In(loc, 0)
		for _, iv := range outs[o.Code] {
			if iv.Start.Before(start) && (iv.End == nil || iv.End.After(start)) {
				from = minDate(from, calendar.DateOf(iv.Start, loc).AddDays(-1))
			}
		}
	}
	return maxDate(from, p.To.AddDays(-(MaxDays - 1))), nil
}

// intakeFrom is the first date load reads intake from: the period's, or
// the history before the projection if that is earlier (dates of the
// westernmost zone, a day early for the others).
func intakeFrom(p Period) calendar.Date {
	return minDate(p.From, maxDate(p.ProjectFrom, p.From)).AddDays(-historyDays - 1)
}

// Projection says which intake of a report is the model's guess.
type Projection struct {
	From  calendar.Date `json:"from"`  // first day projected
	Files int           `json:"files"` // files projected, in all
}

// input builds one office's report.Input from what load read, and says
// what of its intake is projected (nil: none).
func (l *loaded) input(o api.Office, p Period, now time.Time) (report.Input, *Projection, error) {
	loc, err := Location(o)
	if err != nil {
		return report.Input{}, nil, err
	}
	st := l.settings[o.Code]
	cal, types, err := l.office(o, loc)
	if err != nil {
		return report.Input{}, nil, err
	}
	in := report.Input{
		Office: report.Office{Code: o.Code, Name: o.Name, Calendar: cal, Types: types, Staff: st.Staff,
			OvertimeCap: st.OvertimeCap, Rates: report.Rates{Hourly: st.OvertimeHourly, Meal: st.MealAllowance}},
		From: p.From, To: p.To, PlanFrom: p.PlanFrom, Now: now,
	}
	if in.PlanFrom.IsZero() {
		if today := calendar.DateOf(now, loc); today.After(p.From) && !today.After(p.To) {
			in.PlanFrom = today
		}
	}
	last := p.To.AddDays(afterDays)
	var rows []api.IntakeRow
	for _, row := range l.intake[o.Code] {
		if !row.Date.Before(p.From) && !row.Date.After(last) {
			rows = append(rows, row)
		}
	}
	var proj *Projection
	recorded := len(rows) // rows past this are the projection's
	pf := maxDate(p.ProjectFrom, p.From)
	if guess, from := projectIntake(l.intake[o.Code], cal, pf, last); len(guess) > 0 {
		proj = &Projection{From: from}
		for _, g := range guess {
			proj.Files += g.Received
		}
		rows = append(rows, guess...)
	}
	for i, row := range rows {
		if row.Received == 0 {
			continue
		}
		if _, ok := types.Get(row.Type); !ok {
			return report.Input{}, nil, api.Errorf(api.EInvalid, "office %s: intake of %s on %s: no such document type in the office's catalogue", o.Code, row.Type, row.Date)
		}
		if !cal.CounterHours(row.Date).Open() {
			return report.Input{}, nil, api.Errorf(api.EInvalid, "office %s: intake of %s on %s: the office has no counter hours that day (closed or a holiday); correct the intake or the calendar", o.Code, row.Type, row.Date)
		}
		in.Intake = append(in.Intake, backlog.Intake{Date: row.Date, Type: row.Type, Count: row.Received})
		if i >= recorded && (len(in.Projected) == 0 || in.Projected[len(in.Projected)-1] != row.Date) {
			in.Projected = append(in.Projected, row.Date)
		}
	}
	// load read a few hours either side for every zone; keep what touches
	// this office's own days.
	start, end := p.From.In(loc, 0), p.To.AddDays(1).In(loc, 0)
	var outs []api.Interval
	for _, iv := range l.outages[o.Code] {
		if iv.Start.Before(end) && (iv.End == nil || iv.End.After(start)) {
			outs = append(outs, iv)
		}
	}
	in.Outages = merge(outs)
	var openStart time.Time
	for _, out := range in.Outages {
		if out.End.IsZero() {
			openStart = out.Start
		}
	}
	if !openStart.IsZero() {
		if !p.AssumeEnd.IsZero() && !p.AssumeEnd.After(openStart) {
			return report.Input{}, nil, api.FieldErrorf("assume_end", "%s is not after the open outage's start %s", p.AssumeEnd.UTC().Format(time.RFC3339), openStart.UTC().Format(time.RFC3339))
		}
		in.AssumeEnd = AssumeEnd(p.AssumeEnd, openStart, now)
	}
	for _, m := range l.maintenance[o.Code] {
		if !m.StartsAt.Before(end) || !m.EndsAt.After(start) {
			continue
		}
		in.Maintenance = append(in.Maintenance, backlog.Interval{Start: m.StartsAt, End: m.EndsAt})
	}
	return in, proj, nil
}

// merge turns the office's central outages (several targets and probes
// may see one cut) into non-overlapping report outages, by start; an open
// one absorbs everything after its start.
func merge(ivs []api.Interval) []report.Outage {
	slices.SortFunc(ivs, func(a, b api.Interval) int { return a.Start.Compare(b.Start) })
	var out []report.Outage
	for _, iv := range ivs {
		var end time.Time
		if iv.End != nil {
			end = *iv.End
		}
		if n := len(out); n > 0 && (out[n-1].End.IsZero() || !iv.Start.After(out[n-1].End)) {
			last := &out[n-1]
			if !last.End.IsZero() && (end.IsZero() || end.After(last.End)) {
				last.End = end
			}
			continue
		}
		out = append(out, report.Outage{Start: iv.Start, End: end})
	}
	return out
}

// office is the office's calendar (zone, hours, Ramadan, holidays) and
// catalogue (national defaults with its overrides).
func (l *loaded) office(o api.Office, loc *time.Location) (*calendar.Calendar, doctype.Catalogue, error) {
	st := l.settings[o.Code]
	cal := calendar.Default(loc)
	cal.Work, cal.Counter, cal.Ramadan = st.Work, st.Counter, st.Ramadan
	cal.AddHolidays(l.holidays...)
	// The office's regional holidays and closures on top (on a national
	// holiday's date the office's own entry names the day).
	cal.AddHolidays(l.closures[o.Code]...)
	if err := cal.Validate(); err != nil {
		return nil, nil, api.Errorf(api.EInvalid, "office %s: %v", o.Code, err)
	}
	types, err := catalogue(o.Code, l.catalogues[o.Code])
	return cal, types, err
}

// catalogue is the national catalogue with the office's overrides.
func catalogue(office string, ovs []doctype.Override) (doctype.Catalogue, error) {
	cat, err := doctype.Defaults().With(ovs...)
	if err != nil {
		return nil, api.Errorf(api.EInvalid, "office %s: document types: %v", office, err)
	}
	return cat, nil
}
