package report

import (
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
)

// Report is one office's (or, from Aggregate, several offices') period.
type Report struct {
	Office      string             `json:"office"`                // office code (or province/country code)
	Name        string             `json:"name"`                  // office name, in Bahasa Indonesia
	Offices     int                `json:"offices"`               // 1, or how many Aggregate summed
	Zone        string             `json:"zone,omitempty"`        // IANA name
	ZoneLabel   string             `json:"zone_label,omitempty"`  // WIB, WITA or WIT
	From        calendar.Date      `json:"from"`                  // first report day, included
	To          calendar.Date      `json:"to"`                    // last report day, included
	GeneratedAt time.Time          `json:"generated_at"`          // Input.Now
	Outages     []Outage           `json:"outages,omitempty"`     // as simulated, open ones closed and Assumed
	Maintenance []backlog.Interval `json:"maintenance,omitempty"` // planned windows, shown but not outages
	// Feasible is whether the plan meets every file's SLA; when it is
	// false the plan works the maximum from CapFrom to CapTo.
	Feasible bool `json:"feasible"`
	// Earliest is whether the plan is proven the earliest of the least
	// (false only for long horizons overloaded every day; see
	// backlog.Plan).
	Earliest bool          `json:"earliest"`
	CapFrom  calendar.Date `json:"cap_from,omitzero"` // first day at the maximum
	CapTo    calendar.Date `json:"cap_to,omitzero"`   // last day at the maximum
	// Clearance is the first working day (or day with overtime), on or
	// after the end of the last outage, whose backlog is back to its
	// normal level (Day.Normal); nil when the
	// period has no outage or the backlog does not clear within the
	// simulated horizon.
	Clearance *calendar.Date `json:"clearance"`
	Days      []Day          `json:"days"`     // From..To, one per office date
	Breaches  []Breach       `json:"breaches"` // late files received From..To, by deadline
	Totals    Totals         `json:"totals"`   // the period summed
	// ByType splits the period's files by document type, in catalogue
	// order, for types with files (offices only).
	ByType []TypeTotals `json:"by_type,omitempty"`
	// TodayDone is when the last file received on the day of Input.Now
	// is done under the plan (and the assumed end of an open outage): the
	// public page's "berkas yang masuk hari ini dapat selesai paling
	// lambat …". Nil without files that day, or if one is still pending
	// at the end of the horizon (offices only).
	TodayDone *time.Time `json:"today_done,omitempty"`
}

// TypeTotals are one document type's files received From..To.
type TypeTotals struct {
	Type        string   `json:"type"` // document type code
	Name        string   `json:"name"` // in Bahasa Indonesia
	Received    int      `json:"received"`
	OnTime      int      `json:"on_time"`
	Late        int      `json:"late"` // including those still pending
	MaxLateness Duration `json:"max_lateness"`
}

// Totals sum a report's period. Files are those received From..To; hours
// and cost those planned From..To.
type Totals struct {
	Received int `json:"received"` // files received From..To
	// OnTime files met their SLA; Late did not (done late, or still
	// pending at the end of the horizon, counted in Pending too).
	OnTime        int      `json:"on_time"`
	Late          int      `json:"late"`           // missed their SLA
	Pending       int      `json:"pending"`        // not done by the end of the horizon
	MaxLateness   Duration `json:"max_lateness"`   // the worst lateness of any file
	Compliance    float64  `json:"compliance"`     // OnTime / Received; 1 when none received
	OvertimeHours int      `json:"overtime_hours"` // planned office hours
	StaffHours    int      `json:"staff_hours"`    // overtime hours × staff
	Cost          int64    `json:"cost"`           // rupiah
}

// Build runs one office's period: it plans the overtime, replays the plan
// and a normal run (no outages, no overtime) for comparison, and fills the
// Report.
func Build(in Input) (*Report, error) {
	outs, maint, down, err := in.down()
	if err != nil {
		return nil, err
	}
	o := in.Office
	cfg := backlog.Config{
		Office: backlog.Office{Calendar: o.Calendar, Types: o.Types, Staff: o.Staff, OvertimeCap: o.OvertimeCap},
		From:   in.From, To: in.To, Intake: in.Intake, Down: down, PlanFrom: in.PlanFrom,
	}
	m, err := backlog.New(cfg)
	if err != nil {
		return nil, err
	}
	plan := m.Plan()
	rep := m.Replay(plan.Hours)
	base := m.Baseline()
	r := &Report{
		Office: o.Code, Name: o.Name, Offices: 1, Zone: o.Calendar.Zone.String(), ZoneLabel: o.Calendar.ZoneLabel(),
		From: in.From, To: in.To, GeneratedAt: in.Now.UTC(), Outages: outs,
		Maintenance: maint, Feasible: plan.Feasible, Earliest: plan.Earliest, CapFrom: plan.CapFrom, CapTo: plan.CapTo,
	}
	days := m.Days()
	all := dailyFigures(m, rep, base, plan.Hours, &o)
	projected := map[calendar.Date]bool{}
	for _, d := range in.Projected {
		projected[d] = true
	}
	for i, d := range days {
		all[i].Projected = projected[d.Date]
		all[i].Forecast = !in.Now.IsZero() && d.End.After(in.Now)
	}
	r.Clearance = clearance(days, all, down)
	n := in.From.DaysUntil(in.To) + 1
	r.Days = all[:n]
	// Files received after To (a projection) are simulated but not judged.
	cutoff, horizon := days[n-1].End, days[len(days)-1].End
	r.Breaches = breaches(m.Docs(), rep, &o, cutoff, horizon)
	r.Totals = totals(r.Days, m.Docs(), rep, cutoff, horizon)
	r.ByType = byType(m.Docs(), rep, &o, cutoff, horizon)
	r.TodayDone = todayDone(m, rep, in.Now)
	return r, nil
}

// todayDone is the latest completion of the files received on now's
// office date; nil when none was received or one never completes.
func todayDone(m *backlog.Model, rep *backlog.Replay, now time.Time) *time.Time {
	if now.IsZero() {
		return nil
	}
	today := m.DayIndex(now, false)
	if days := m.Days(); len(days) == 0 || now.Before(days[0].Start) || !now.Before(days[len(days)-1].End) {
		return nil
	}
	var last time.Time
	for i := range m.Docs() {
		if m.ArrivedDay(i) != today {
			continue
		}
		if !rep.Done(i) {
			return nil
		}
		if c := rep.Completed(i); c.After(last) {
			last = c
		}
	}
	if last.IsZero() {
		return nil
	}
	return &last
}

// clearance is the first working (or overtime) day on or after the last
// down interval ends whose backlog is at its normal level; nil without a down interval in the
// horizon or if the backlog never gets back to normal in it.
func clearance(days []backlog.Day, all []Day, down []backlog.Interval) *calendar.Date {
	var end time.Time
	for _, iv := range down {
		// Outages over before the period began left nothing to clear.
		if iv.End.After(days[0].Start) && iv.End.After(end) {
			end = iv.End
		}
	}
	if end.IsZero() {
		return nil
	}
	for i, d := range days {
		// A closed day without overtime changes nothing: the date is the
		// next day the office works (a clearance date never lands on a
		// closed day unless overtime is planned that day).
		if !d.Working && all[i].OvertimeHours == 0 {
			continue
		}
		if d.End.After(end) && all[i].Backlog <= all[i].Normal {
			date := d.Date
			return &date
		}
	}
	return nil
}
