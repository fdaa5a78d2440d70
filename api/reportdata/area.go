package reportdata

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// A province's or the nation's report sums its offices' stored periods
// (migrations/00022) where they are fresh, and builds the others in the
// request, so every figure is exact: the same as building every office
// (TestStoredEqualsFresh). An office's period is stored once it has ended
// in the office's zone, without a what-if and with no open outage assumed
// to end now; until then its figures move with the clock.

// touchEvery is how often a read notes that a stored period is still read.
const touchEvery = time.Hour

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
	key := postgres.ReportKey{From: p.From, To: p.To, Asked: asked}
	var storable []string // offices whose period can be stored
	zones := map[string]*time.Location{}
	for _, o := range offices {
		loc := zones[o.TZ]
		if loc == nil {
			if loc, err = Location(o); err != nil {
				return nil, err
			}
			zones[o.TZ] = loc
		}
		ok := canStore(p, loc, now)
		if ok {
			storable = append(storable, o.Code)
		}
	}
	var (
		heads []postgres.StoredReport
		sums  []postgres.ReportDay
	)
	if len(storable) > 0 {
		if heads, sums, err = b.store.StoredReports(ctx, storable, key); err != nil {
			return nil, err
		}
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
		if err := b.store.WantReports(ctx, wanted, key); err != nil {
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
		if err := b.put(ctx, key, built, p, now, true); err != nil {
			return nil, err
		}
	}
	return assemble(code, name, offices, p, asked, now, fresh, sums, built)
}

// canStore says whether a period p of an office in zone loc can be stored:
// it has ended there at now, and no what-if is asked.
func canStore(p Period, loc *time.Location, now time.Time) bool {
	if !p.AssumeEnd.IsZero() || !p.PlanFrom.IsZero() || !p.ProjectFrom.IsZero() {
		return false
	}
	return !p.To.AddDays(1).In(loc, 0).After(now)
}

// settled says whether r, built at now, stays true as time passes: its
// period had ended and no open outage was assumed to end now.
func settled(r *OfficeReport, p Period, now time.Time) bool {
	loc, err := Location(r.Office)
	if err != nil || !canStore(p, loc, now) {
		return false
	}
	_, assumed := Assumed(r.Report)
	return !assumed
}

// put stores reports built for key (onlyWanted: a request's, see
// Store.PutReports).
func (b *Builder) put(ctx context.Context, key postgres.ReportKey, rs []*OfficeReport, p Period, now time.Time, onlyWanted bool) error {
	var out []postgres.StoredReport
	for _, r := range rs {
		s, err := toStored(r, settled(r, p, now))
		if err != nil {
			return err
		}
		out = append(out, s)
	}
	_, err := b.store.PutReports(ctx, key, out, onlyWanted, now)
	return err
}

// toStored is r as the store keeps it (days only when settled: an
// unsettled period is never read).
func toStored(r *OfficeReport, settled bool) (postgres.StoredReport, error) {
	rep := r.Report
	s := postgres.StoredReport{Office: r.Office.Code, Settled: settled, Feasible: rep.Feasible, Earliest: rep.Earliest,
		Clearance: rep.Clearance, Outages: len(rep.Outages)}
	var err error
	if s.Totals, err = json.Marshal(rep.Totals); err != nil {
		return s, fmt.Errorf("office %s: totals: %w", r.Office.Code, err)
	}
	if r.Availability != nil {
		if s.Availability, err = json.Marshal(r.Availability); err != nil {
			return s, fmt.Errorf("office %s: availability: %w", r.Office.Code, err)
		}
	}
	if !settled {
		return s, nil
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

// assemble sums stored heads and days (fresh, sums) with the reports built
// in the request into the area's report, offices in the order given.
func assemble(code, name string, offices []api.Office, p Period, asked calendar.Date, now time.Time,
	fresh map[string]*postgres.StoredReport, sums []postgres.ReportDay, built []*OfficeReport) (*AreaReport, error) {
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
			if s.Availability != nil {
				sum.Availability = new(sla.Report)
				if err := json.Unmarshal(s.Availability, sum.Availability); err != nil {
					return nil, fmt.Errorf("office %s: stored availability: %w", o.Code, err)
				}
			}
			sum.Feasible, sum.Clearance, sum.Outages = s.Feasible, s.Clearance, s.Outages
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
