package report

import (
	"errors"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// Rates are an office's overtime rates, from the finance ministry's yearly
// standard cost tables (standar biaya masukan).
type Rates struct {
	// Hourly is paid per person per overtime hour; doubled on Saturdays,
	// Sundays, public holidays and collective leave.
	Hourly int64 `json:"hourly"`
	// Meal is paid per person on a day of 2 overtime hours or more.
	Meal int64 `json:"meal"`
}

// Office is one civil-registry office as the model sees it.
type Office struct {
	Code     string             `json:"code"` // region code, e.g. 73.71 for Kota Makassar
	Name     string             `json:"name"`
	Calendar *calendar.Calendar `json:"-"` // zone, hours and holidays
	// Types is the catalogue after the office's overrides
	// (doctype.Defaults().With(...)).
	Types doctype.Catalogue `json:"-"`
	// Staff process files, in working hours and overtime alike.
	Staff int `json:"staff"`
	// OvertimeCap is the most overtime hours on one day.
	OvertimeCap int   `json:"overtime_cap"`
	Rates       Rates `json:"rates"` // overtime pay
}

// Outage is a time the central system was unreachable from the office.
type Outage struct {
	Start time.Time `json:"start"` // first failure, UTC
	// End is zero while the outage is still open; Build then closes it at
	// Input.AssumeEnd and marks it Assumed.
	End     time.Time `json:"end"`
	Assumed bool      `json:"assumed,omitempty"` // End is an assumption, not seen
}

// Input is one report's data.
type Input struct {
	Office Office // the office and its rates
	// From and To are the report's office dates, both included. The model
	// starts From with nothing pending: begin a few days before an outage.
	From, To calendar.Date
	// Intake per office date and type; days after To may be given as a
	// projection, otherwise no files are assumed after To.
	Intake []backlog.Intake
	// Projected lists the office dates whose intake is the office's usual
	// intake standing in for none recorded (Day.Projected marks them).
	Projected []calendar.Date
	// Outages of the central link and planned maintenance windows; both
	// stop work on files that need the central system, and overtime.
	Outages     []Outage
	Maintenance []backlog.Interval
	// AssumeEnd closes any open outage ("what if it is back then?").
	AssumeEnd time.Time
	// PlanFrom is the first day overtime may be planned (zero: From).
	PlanFrom calendar.Date
	// Now stamps the report; inject a fixed clock in tests.
	Now time.Time
}

// down turns outages and maintenance into the intervals the simulation
// stops central work in, in UTC, closing open outages at AssumeEnd.
func (in *Input) down() (outs []Outage, maint, down []backlog.Interval, err error) {
	var errs []error
	outs = make([]Outage, len(in.Outages))
	for i, o := range in.Outages {
		if o.End.IsZero() {
			if in.AssumeEnd.IsZero() {
				errs = append(errs, fmt.Errorf("outages[%d]: end: still open and no assume_end given", i))
				continue
			}
			o.End, o.Assumed = in.AssumeEnd, true
		}
		if !o.End.After(o.Start) {
			errs = append(errs, fmt.Errorf("outages[%d]: end %s not after start %s", i, o.End, o.Start))
			continue
		}
		o.Start, o.End = o.Start.UTC(), o.End.UTC()
		outs[i] = o
		down = append(down, backlog.Interval{Start: o.Start, End: o.End})
	}
	for i, m := range in.Maintenance {
		if !m.End.After(m.Start) {
			errs = append(errs, fmt.Errorf("maintenance[%d]: end %s not after start %s", i, m.End, m.Start))
			continue
		}
		maint = append(maint, backlog.Interval{Start: m.Start.UTC(), End: m.End.UTC()})
	}
	down = append(down, maint...)
	if in.Office.Rates.Hourly < 0 || in.Office.Rates.Meal < 0 {
		errs = append(errs, errors.New("office: rates: negative"))
	}
	return outs, maint, down, errors.Join(errs...)
}

// Duration shows as "24h15m0s" in JSON; see calendar.Duration.
type Duration = calendar.Duration
