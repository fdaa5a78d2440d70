package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/backlog"

	"github.com/pantau-id/pantau/report/calendar"
)

func TestCost(t *testing.T) {
	o := makassar(t) // 4 staff, Rp 20,000 an hour, meal Rp 37,000
	tests := []struct {
		name  string
		date  calendar.Date
		hours int
		want  int64
	}{
		{"one hour, no meal", calendar.D(2020, 1, 16), 1, 4 * 20000},
		{"two hours earn the meal", calendar.D(2020, 1, 16), 2, 2*4*20000 + 4*37000},
		{"saturday doubles the rate", calendar.D(2020, 1, 18), 3, 3*4*40000 + 4*37000},
		{"holiday on a weekday doubles too", calendar.D(2020, 1, 1), 1, 4 * 40000},
		{"no hours, no cost", calendar.D(2020, 1, 16), 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cost(tc.date, tc.hours, &o); got != tc.want {
				t.Errorf("cost = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Input)
		wantErr string
	}{
		{"open outage needs an assumed end", func(in *Input) { in.Outages[0].End = time.Time{} }, "outages[0]: end: still open"},
		{"backwards maintenance", func(in *Input) {
			in.Maintenance = []backlog.Interval{{Start: in.Outages[0].End, End: in.Outages[0].Start}}
		}, "maintenance[0]"},
		{"negative rate", func(in *Input) { in.Office.Rates.Hourly = -1 }, "rates"},
		{"intake before the period", func(in *Input) { in.From = calendar.D(2020, 1, 3) }, "before the period starts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := makassarInput(t)
			tc.mutate(&in)
			_, err := Build(in)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestAggregate(t *testing.T) {
	cut := mustBuild(t, makassarInput(t))
	whatIf := mustBuild(t, makassarWhatIf(t))
	sum, err := Aggregate("73", "Sulawesi Selatan", []*Report{cut, whatIf})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Offices != 2 || sum.Feasible {
		t.Errorf("offices %d feasible %v, want 2 and false", sum.Offices, sum.Feasible)
	}
	for i, d := range sum.Days {
		a, b := cut.Days[i], whatIf.Days[i]
		if d.Received != a.Received+b.Received || d.Backlog != a.Backlog+b.Backlog || d.Cost != a.Cost+b.Cost ||
			d.MaxLateness != max(a.MaxLateness, b.MaxLateness) {
			t.Fatalf("day %s: %+v is not the sum of %+v and %+v", d.Date, d, a, b)
		}
	}
	if sum.Totals.Received != 2*1760 || sum.Totals.Late != cut.Totals.Late || *sum.Clearance != *cut.Clearance {
		t.Errorf("totals %+v clearance %v", sum.Totals, *sum.Clearance)
	}
	if want := float64(sum.Totals.OnTime) / float64(sum.Totals.Received); sum.Totals.Compliance != want {
		t.Errorf("compliance %v, want %v", sum.Totals.Compliance, want)
	}
	other := *whatIf
	other.To = calendar.D(2020, 1, 30)
	if _, err := Aggregate("73", "x", []*Report{cut, &other}); err == nil {
		t.Error("aggregating different periods should fail")
	}
}

// TestBuildConcurrent builds offices sharing one calendar and catalogue at
// once, as the database layer may (run with -race).
func TestBuildConcurrent(t *testing.T) {
	in := makassarInput(t)
	want := mustBuild(t, in)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			r, err := Build(in)
			if err == nil && r.Totals != want.Totals {
				err = fmt.Errorf("totals %+v, want %+v", r.Totals, want.Totals)
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestMaintenance checks that a planned window stops central work like an
// outage, is echoed as maintenance, and is not listed as an outage.
func TestMaintenance(t *testing.T) {
	in := makassarInput(t)
	in.Outages = nil
	in.Maintenance = []backlog.Interval{{Start: at(2020, 1, 22, 9, 0), End: at(2020, 1, 22, 13, 0)}}
	r := mustBuild(t, in)
	fault := makassarInput(t)
	fault.Outages = []Outage{{Start: at(2020, 1, 22, 9, 0), End: at(2020, 1, 22, 13, 0)}}
	want := mustBuild(t, fault)
	if len(r.Outages) != 0 || len(r.Maintenance) != 1 || r.Maintenance[0].Start.Location() != time.UTC {
		t.Errorf("outages %v maintenance %v, want none and one in UTC", r.Outages, r.Maintenance)
	}
	if d, w := dayOf(t, r, calendar.D(2020, 1, 22)), dayOf(t, want, calendar.D(2020, 1, 22)); d.Backlog != w.Backlog || d.Backlog == 0 {
		t.Errorf("backlog on 22 January %d, want %d as for an outage", d.Backlog, w.Backlog)
	}
}

// TestProjectedAndForecast: a day whose intake is the usual one standing
// in for none recorded is marked projected, and a day not over at Now is
// marked forecast, in offices and in their aggregate.
func TestProjectedAndForecast(t *testing.T) {
	in := makassarWhatIf(t) // now: Thursday 9 January 10:00 WITA
	for _, it := range in.Intake {
		if it.Date.After(calendar.D(2020, 1, 9)) {
			in.Projected = append(in.Projected, it.Date)
		}
	}
	r := mustBuild(t, in)
	agg, err := Aggregate("73", "Sulawesi Selatan", []*Report{r})
	if err != nil {
		t.Fatal(err)
	}
	for _, rep := range []*Report{r, agg} {
		tests := []struct {
			date                calendar.Date
			projected, forecast bool
		}{
			{calendar.D(2020, 1, 8), false, false},
			{calendar.D(2020, 1, 9), false, true}, // today: recorded, not over
			{calendar.D(2020, 1, 10), true, true},
			{calendar.D(2020, 1, 11), false, true}, // Saturday: no intake to project
		}
		for _, tc := range tests {
			d := dayOf(t, rep, tc.date)
			if d.Projected != tc.projected || d.Forecast != tc.forecast {
				t.Errorf("%s %s: projected %v forecast %v, want %v %v", rep.Office, tc.date, d.Projected, d.Forecast, tc.projected, tc.forecast)
			}
		}
	}
}
