package reportdata

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// A province's or the nation's report sums its offices' stored periods
// (migrations/00022, 00024) where they are fresh, and builds the others in
// the request, so every figure is exact: the same as building every office
// (TestStoredEqualsFresh). An office's period is stored when no what-if is
// asked. What report.Build and availability read from the clock:
//   - an open outage is assumed to end now, rounded up to the quarter hour
//     (AssumeEnd): such a period is stored with the end it assumed and
//     read only while a read assumes the same (migrations/00028), so
//     during a cut a report is built once a quarter hour, not per read,
//     and the refresher builds the next quarter hour's ahead for the
//     periods read lately (Refresh, migrations/00030);
//   - a period running through today (its last day today or later) plans
//     overtime from today (PlanFrom) and marks the days from today on as
//     the forecast (Day.Forecast): both change only with the office's
//     date, so such a period is stored for the date it was built on
//     (valid_on) and built again on the next;
//   - its availability runs to now: the row keeps it measured up to the
//     start of that date (an sla.Meter) and each read adds the day so far
//     from the series and maintenance of today (a small read for all
//     offices at once);
//   - Report.GeneratedAt is the request's, TodayDone an office page's.

// touchEvery is how often a read notes that a stored period is still read
// (the refresher rebuilds periods with an open outage read lately for
// each new quarter hour: RewantAssumed).
const touchEvery = 10 * time.Minute

// slotEnd is the end a build at now assumes for an outage open then that
// began before it (AssumeEnd): now rounded up to the quarter hour.
func slotEnd(now time.Time) time.Time { return AssumeEnd(time.Time{}, time.Time{}, now) }

// Area builds the report of offices (a province's, or every office) over p.
func (b *Builder) Area(ctx context.Context, code, name string, offices []api.Office, p Period) (*AreaReport, error) {
	if len(offices) == 0 {
		return nil, api.Errorf(api.ENotFound, "%s has no offices", name)
	}
	p, asked, err := b.prepare(ctx, offices, p)
	if err != nil {
		return nil, err
	}
	now := b.now()
	slot := slotEnd(now)
	key := postgres.ReportKey{From: p.From, To: p.To, Asked: asked}
	var storable []string // offices whose period can be stored
	if canStore(p) {
		for _, o := range offices {
			storable = append(storable, o.Code)
		}
	}
	var (
		heads []postgres.StoredReport
		sums  []postgres.ReportDay
	)
	if len(storable) > 0 {
		if heads, sums, err = b.store.StoredReports(ctx, storable, key, now, slot, p.Plans); err != nil {
			return nil, err
		}
	}
	today, err := b.todayAvailability(ctx, offices, heads, now)
	if err != nil {
		return nil, err
	}
	fresh := make(map[string]*postgres.StoredReport, len(heads))
	var touch []string
	for i := range heads {
		fresh[heads[i].Office] = &heads[i]
		if now.Sub(heads[i].ReadAt) > touchEvery {
			touch = append(touch, heads[i].Office)
		}
	}
	if len(touch) > 0 {
		if err := b.store.TouchReports(ctx, touch, key, now); err != nil {
			return nil, err
		}
	}
	var (
		rest   []api.Office
		wanted []string
	)
	for _, o := range offices {
		if fresh[o.Code] == nil {
			rest = append(rest, o)
		}
	}
	for _, c := range storable {
		if fresh[c] == nil {
			wanted = append(wanted, c)
		}
	}
	// Asked for before the inputs are read (PutReports explains why).
	if len(wanted) > 0 {
		if err := b.store.WantReports(ctx, wanted, key, now, slot); err != nil {
			return nil, err
		}
	}
	built, errs, err := b.build(ctx, rest, p, asked, now)
	if err != nil {
		return nil, err
	}
	if err := firstError(errs); err != nil {
		return nil, err
	}
	if len(wanted) > 0 {
		if err := b.put(ctx, key, built, now, true); err != nil {
			return nil, err
		}
	}
	return assemble(code, name, offices, p, asked, now, fresh, today, sums, built)
}

// canStore says whether a period p can be stored: no what-if is asked.
func canStore(p Period) bool {
	return p.AssumeEnd.IsZero() && p.PlanFrom.IsZero() && p.ProjectFrom.IsZero()
}

// availPart is a period running through today's availability as stored:
// measured up to the start of the office's date it was built on (or the
// period's start, if later), and that date's working time.
type availPart struct {
	Meter sla.Meter      `json:"meter"`
	Work  [][2]time.Time `json:"work"`
	On    calendar.Date  `json:"on"`
}

// partOf is the availPart of spans measured from start, built at now.
func partOf(spans []sla.Span, cal *calendar.Calendar, start, now time.Time) (*availPart, error) {
	today := calendar.DateOf(now, cal.Zone)
	at := today.In(cal.Zone, 0)
	if start.After(at) {
		at = start
	}
	m := sla.NewMeter(start)
	if err := m.Add(spans, at, cal.WorkingSpans(start, at)); err != nil {
		return nil, err
	}
	return &availPart{Meter: *m, Work: cal.WorkingSpans(at, today.AddDays(1).In(cal.Zone, 0)), On: today}, nil
}

// todayAvailability completes the availability of the stored periods
// among heads that run through today: what each kept, plus today so far
// (nil before the period begins), by office.
func (b *Builder) todayAvailability(ctx context.Context, offices []api.Office, heads []postgres.StoredReport, now time.Time) (map[string]*sla.Report, error) {
	parts := map[string]*availPart{}
	var since time.Time
	for _, h := range heads {
		if h.AvailPart == nil {
			continue
		}
		var part availPart
		if err := json.Unmarshal(h.AvailPart, &part); err != nil {
			return nil, fmt.Errorf("office %s: stored availability: %w", h.Office, err)
		}
		parts[h.Office] = &part
		if since.IsZero() || part.Meter.At.Before(since) {
			since = part.Meter.At
		}
	}
	if len(parts) == 0 {
		return nil, nil
	}
	var codes []string
	var offs []api.Office
	for _, o := range offices {
		if parts[o.Code] != nil {
			codes, offs = append(codes, o.Code), append(offs, o)
		}
	}
	r := b.store.ModelReader()
	series, err := r.CentralSeries(ctx, codes, since)
	if err != nil {
		return nil, err
	}
	maint, err := r.Maintenance(ctx, offs, since, now)
	if err != nil {
		return nil, err
	}
	out := make(map[string]*sla.Report, len(parts))
	for _, c := range codes {
		part := parts[c]
		if !now.After(part.Meter.From) {
			out[c] = nil
			continue
		}
		var ws []detect.Window
		for _, m := range maint[c] {
			ws = append(ws, detect.Window{ID: m.ID, Start: m.StartsAt, End: m.EndsAt})
		}
		m := part.Meter
		if err := m.Add(timelineSpans(series[c], ws, m.At, now), now, part.Work); err != nil {
			return nil, fmt.Errorf("office %s: availability: %w", c, err)
		}
		rep := m.Report()
		out[c] = &rep
	}
	return out, nil
}

// put stores reports built for key (onlyWanted: a request's, see
// Store.PutReports).
func (b *Builder) put(ctx context.Context, key postgres.ReportKey, rs []*OfficeReport, now time.Time, onlyWanted bool) error {
	var out []postgres.StoredReport
	for _, r := range rs {
		s, err := toStored(r)
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	_, err := b.store.PutReports(ctx, key, out, onlyWanted, now)
	return err
}

// toStored is r (built without a what-if) as the store keeps it.
func toStored(r *OfficeReport) (postgres.StoredReport, error) {
	rep := r.Report
	s := postgres.StoredReport{Office: r.Office.Code, Settled: true, Feasible: rep.Feasible, Earliest: rep.Earliest,
		Clearance: rep.Clearance, Outages: len(rep.Outages)}
	if end, ok := Assumed(rep); ok {
		s.AssumedEnd = &end
	}
	var err error
	if s.Plan, err = json.Marshal(planDays(rep.Days)); err != nil {
		return s, fmt.Errorf("office %s: plan: %w", r.Office.Code, err)
	}
	if s.Totals, err = json.Marshal(rep.Totals); err != nil {
		return s, fmt.Errorf("office %s: totals: %w", r.Office.Code, err)
	}
	switch {
	case r.today != nil:
		// Availability runs to now: kept up to today, completed on reads.
		on := r.today.On
		s.ValidOn = &on
		if s.AvailPart, err = json.Marshal(r.today); err != nil {
			return s, fmt.Errorf("office %s: availability: %w", r.Office.Code, err)
		}
	case r.Availability != nil:
		if s.Availability, err = json.Marshal(r.Availability); err != nil {
			return s, fmt.Errorf("office %s: availability: %w", r.Office.Code, err)
		}
	}
	s.Days = make([]postgres.ReportDay, len(rep.Days))
	for i, d := range rep.Days {
		s.Days[i] = postgres.ReportDay{Date: d.Date, Received: d.Received, Completed: d.Completed, Backlog: d.Backlog,
			Normal: d.Normal, OvertimeHours: d.OvertimeHours, StaffHours: d.StaffHours, Cost: d.Cost, Overdue: d.Overdue,
			LateCompleted: d.LateCompleted, MaxLateness: time.Duration(d.MaxLateness), OnTime: d.OnTime,
			Projected: d.Projected, Forecast: d.Forecast}
	}
	return s, nil
}

// planDays are the days of days with planned overtime (never nil).
func planDays(days []report.Day) []report.Day {
	out := []report.Day{}
	for _, d := range days {
		if d.OvertimeHours > 0 {
			out = append(out, d)
		}
	}
	return out
}

// assemble sums stored heads and days (fresh, sums) with the reports built
// in the request into the area's report, offices in the order given.
func assemble(code, name string, offices []api.Office, p Period, asked calendar.Date, now time.Time,
	fresh map[string]*postgres.StoredReport, today map[string]*sla.Report, sums []postgres.ReportDay, built []*OfficeReport) (*AreaReport, error) {
	out := &AreaReport{Code: code, Name: name, Offices: make([]OfficeSummary, len(offices))}
	if asked != p.From {
		out.RequestedFrom = asked
	}
	days := make([]report.Day, p.From.DaysUntil(p.To)+1)
	for i := range days {
		days[i].Date = p.From.AddDays(i)
	}
	if len(sums) != 0 && len(sums) != len(days) {
		return nil, fmt.Errorf("area %s: %d stored days, want %d", code, len(sums), len(days))
	}
	for i, s := range sums {
		report.AddDay(&days[i], report.Day{Received: s.Received, Completed: s.Completed, Backlog: s.Backlog, Normal: s.Normal,
			OvertimeHours: s.OvertimeHours, StaffHours: s.StaffHours, Cost: s.Cost, Overdue: s.Overdue,
			LateCompleted: s.LateCompleted, MaxLateness: calendar.Duration(s.MaxLateness), OnTime: s.OnTime,
			Projected: s.Projected, Forecast: s.Forecast})
	}
	heads := make([]report.Head, len(offices))
	avails := make([]*sla.Report, len(offices))
	next := 0
	for i, o := range offices {
		sum := OfficeSummary{Code: o.Code, Name: o.Name}
		if s := fresh[o.Code]; s != nil {
			if err := json.Unmarshal(s.Totals, &sum.Totals); err != nil {
				return nil, fmt.Errorf("office %s: stored totals: %w", o.Code, err)
			}
			if s.AvailPart != nil {
				sum.Availability = today[o.Code]
			} else if s.Availability != nil {
				sum.Availability = new(sla.Report)
				if err := json.Unmarshal(s.Availability, sum.Availability); err != nil {
					return nil, fmt.Errorf("office %s: stored availability: %w", o.Code, err)
				}
			}
			sum.Feasible, sum.Clearance, sum.Outages, sum.Backlog = s.Feasible, s.Clearance, s.Outages, s.EndBacklog
			if p.Plans {
				if err := json.Unmarshal(s.Plan, &sum.Plan); err != nil {
					return nil, fmt.Errorf("office %s: stored plan: %w", o.Code, err)
				}
			}
			heads[i] = report.Head{Offices: 1, Feasible: s.Feasible, Earliest: s.Earliest, Clearance: s.Clearance, Totals: sum.Totals}
		} else {
			r := built[next]
			next++
			if len(r.Report.Days) != len(days) {
				return nil, fmt.Errorf("area %s: office %s covers %d days, want %d", code, o.Code, len(r.Report.Days), len(days))
			}
			for j, d := range r.Report.Days {
				report.AddDay(&days[j], d)
			}
			heads[i] = r.Report.Head()
			sum.Totals, sum.Feasible, sum.Clearance, sum.Outages = r.Report.Totals, r.Report.Feasible, r.Report.Clearance, len(r.Report.Outages)
			sum.Availability = r.Availability
			if p.Plans {
				sum.Plan = planDays(r.Report.Days)
			}
			if n := len(r.Report.Days); n > 0 {
				sum.Backlog = r.Report.Days[n-1].Backlog
			}
		}
		avails[i] = sum.Availability
		out.Offices[i] = sum
		if fresh[o.Code] != nil {
			out.Stored++
		}
	}
	out.Report = report.Combine(code, name, p.From, p.To, now.UTC(), heads, days)
	out.Availability = SumAvailability(avails)
	return out, nil
}

// Timelines is each office's link timeline over span(office), as
// Store.OfficeTimeline gives it one office at a time (capped at now; nil
// when empty), from two queries for all the offices.
func (b *Builder) Timelines(ctx context.Context, offices []api.Office, span func(api.Office) (from, to time.Time)) (map[string][]api.StateInterval, error) {
	if len(offices) == 0 {
		return nil, nil
	}
	now := b.now()
	codes := make([]string, len(offices))
	var since, until time.Time
	for i, o := range offices {
		codes[i] = o.Code
		from, to := span(o)
		if since.IsZero() || from.Before(since) {
			since = from
		}
		if to.After(until) {
			until = to
		}
	}
	r := b.store.ModelReader()
	series, err := r.CentralSeries(ctx, codes, since)
	if err != nil {
		return nil, err
	}
	maint, err := r.Maintenance(ctx, offices, since, until)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]api.StateInterval, len(offices))
	for _, o := range offices {
		from, to := span(o)
		if to.After(now) {
			to = now
		}
		var ws []detect.Window
		for _, m := range maint[o.Code] {
			ws = append(ws, detect.Window{ID: m.ID, Start: m.StartsAt, End: m.EndsAt})
		}
		out[o.Code] = detect.Timeline(series[o.Code], ws, from, to)
	}
	return out, nil
}
