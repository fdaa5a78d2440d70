package report_test

import (
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// The database layer fills an Input from an office's settings, its intake
// and its outages, and renders the Report. Here: a week in Kota Makassar,
// 46 Kartu Keluarga a day (two staff do 45) promised by the end of the
// next working day, the link cut for all of Tuesday's working hours.
func ExampleBuild() {
	wita, _ := time.LoadLocation("Asia/Makassar")
	types, _ := doctype.Defaults().With(doctype.Override{Code: doctype.KK, SLA: &doctype.SLA{Kind: doctype.WorkingDays, N: 1}})
	office := report.Office{
		Code: "73.71", Name: "Kota Makassar", Calendar: calendar.Default(wita), Types: types,
		Staff: 2, OvertimeCap: 3, Rates: report.Rates{Hourly: 20000, Meal: 37000},
	}
	in := report.Input{
		Office: office, From: calendar.D(2020, 1, 6), To: calendar.D(2020, 1, 10),
		Outages: []report.Outage{{
			Start: time.Date(2020, 1, 7, 7, 30, 0, 0, wita),
			End:   time.Date(2020, 1, 7, 15, 0, 0, 0, wita),
		}},
		Now: time.Date(2020, 1, 11, 8, 0, 0, 0, wita),
	}
	for d := in.From; !d.After(in.To); d = d.AddDays(1) {
		in.Intake = append(in.Intake, backlog.Intake{Date: d, Type: doctype.KK, Count: 46})
	}
	r, err := report.Build(in)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, d := range r.Days {
		fmt.Printf("%s %s received %d completed %d backlog %d overtime %dh Rp %d\n",
			d.Date, d.Date.Weekday().String()[:3], d.Received, d.Completed, d.Backlog, d.OvertimeHours, d.Cost)
	}
	fmt.Printf("late %d of %d, clearance %s\n", r.Totals.Late, r.Totals.Received, r.Clearance)
	// Monday's last file would wait out the cut past its deadline, so one
	// hour on Monday; Tuesday's overtime after the cut starts the catch-up.
	// Output:
	// 2020-01-06 Mon received 46 completed 46 backlog 0 overtime 1h Rp 40000
	// 2020-01-07 Tue received 46 completed 6 backlog 40 overtime 1h Rp 40000
	// 2020-01-08 Wed received 46 completed 45 backlog 41 overtime 0h Rp 0
	// 2020-01-09 Thu received 46 completed 45 backlog 42 overtime 0h Rp 0
	// 2020-01-10 Fri received 46 completed 45 backlog 43 overtime 0h Rp 0
	// late 0 of 230, clearance 2020-01-13
}
