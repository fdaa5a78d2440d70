package report

import (
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// BenchmarkNationalMonth builds January 2020 for 514 offices, in the three
// Indonesian zones, with a national server fault on 22 January (Mimika
// style, 4 hours) for all and the Makassar-style 8-day cut for one office
// in ten, then aggregates the country.
func BenchmarkNationalMonth(b *testing.B) {
	zones := []*time.Location{mustZone("Asia/Jakarta"), wita, mustZone("Asia/Jayapura")}
	base := makassarInput(b)
	inputs := make([]Input, 514)
	for i := range inputs {
		in := base
		cal := *base.Office.Calendar
		cal.Zone = zones[i%3]
		in.Office.Calendar = &cal
		in.Outages = []Outage{{Start: time.Date(2020, 1, 22, 9, 0, 0, 0, cal.Zone), End: time.Date(2020, 1, 22, 13, 0, 0, 0, cal.Zone)}}
		if i%10 == 0 {
			in.Outages = append(in.Outages, Outage{Start: time.Date(2020, 1, 8, 7, 30, 0, 0, cal.Zone), End: time.Date(2020, 1, 16, 9, 0, 0, 0, cal.Zone)})
		}
		inputs[i] = in
	}
	for b.Loop() {
		reports := make([]*Report, len(inputs))
		for i, in := range inputs {
			r, err := Build(in)
			if err != nil {
				b.Fatal(err)
			}
			reports[i] = r
		}
		if _, err := Aggregate("ID", "Indonesia", reports); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNationalFault checks the same national fault on one office: four
// hours down at midday on a Wednesday cost no SLA and no overtime.
func TestNationalFault(t *testing.T) {
	in := makassarInput(t)
	in.Outages = []Outage{{Start: at(2020, 1, 22, 9, 0), End: at(2020, 1, 22, 13, 0)}}
	r := mustBuild(t, in)
	if !r.Feasible || r.Totals.Late != 0 || r.Totals.OvertimeHours != 0 {
		t.Errorf("feasible %v late %d overtime %d, want true 0 0", r.Feasible, r.Totals.Late, r.Totals.OvertimeHours)
	}
	d := dayOf(t, r, calendar.D(2020, 1, 22))
	if d.Backlog == 0 || r.Clearance == nil {
		t.Errorf("22 January backlog %d clearance %v: the fault should leave a backlog that clears later", d.Backlog, r.Clearance)
	}
}
