package report

import (
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// TestPromiseMakassar asks the seed office's question at three moments of
// the January 2020 cut (open since Wednesday 8 January 07:30 WITA).
func TestPromiseMakassar(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2020, 1, day, h, m, 0, 0, wita) }
	tests := []struct {
		name string
		now  time.Time
		// want is checked on the promise
		want func(t *testing.T, p *Promise)
	}{
		{"on the 9th: back by the morning of the 15th, no overtime", at(9, 10, 0), func(t *testing.T, p *Promise) {
			// 8 January's files (1,450 staff-minutes) are due on the 15th at
			// 15:00; four staff do them from 08:45 (1,500 minutes).
			if !p.Kept || p.Deadline == nil || !p.Deadline.Equal(at(15, 8, 45)) || p.OvertimeHours != 0 || p.Cost != 0 {
				t.Errorf("kept %v deadline %v, %d h Rp %d; want kept, 15 Jan 08:45 WITA, none", p.Kept, p.Deadline, p.OvertimeHours, p.Cost)
			}
		}},
		{"on the 14th at 15:00: still kept", at(14, 15, 0), func(t *testing.T, p *Promise) {
			if !p.Kept || p.Deadline == nil || p.Deadline.After(at(15, 8, 45)) || p.Waiting == 0 {
				t.Errorf("kept %v deadline %v waiting %d", p.Kept, p.Deadline, p.Waiting)
			}
		}},
		{"on the 15th at 10:00: 8 January's promise is broken", at(15, 10, 0), func(t *testing.T, p *Promise) {
			if p.Kept || p.Deadline != nil || p.Late == 0 || len(p.Broken) == 0 {
				t.Fatalf("kept %v deadline %v late %d", p.Kept, p.Deadline, p.Late)
			}
			first := p.Broken[0]
			if !first.FirstDeadline.Equal(at(15, 15, 0)) || first.Received != calendar.D(2020, 1, 8) {
				t.Errorf("first broken group %+v, want files of 8 January due 15 January 15:00", first)
			}
			if !p.ReturnAt.Equal(at(15, 10, 0)) || p.MaxLateness <= 0 {
				t.Errorf("return at %s, lateness %s", p.ReturnAt.In(wita), p.MaxLateness)
			}
			var cost int64
			for _, d := range p.Plan {
				cost += d.Cost
			}
			if cost != p.Cost || p.OvertimeHours == 0 {
				t.Errorf("plan %+v costs %d, total %d", p.Plan, cost, p.Cost)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := makassarInput(t)
			in.Outages = []Outage{{Start: at(8, 7, 30)}}
			in.Now = tc.now
			p, err := BuildPromise(in)
			if err != nil {
				t.Fatal(err)
			}
			tc.want(t, p)
		})
	}
	in := makassarInput(t)
	if p, err := BuildPromise(in); p != nil || err != nil {
		t.Errorf("no open outage: %+v, %v; want nil, nil", p, err)
	}
}

// TestPromiseOnAClosedDay: the latest return falls on a Saturday only
// because overtime is planned that Saturday, and the plan says the day is
// not a working day (and pays it double).
func TestPromiseOnAClosedDay(t *testing.T) {
	at := func(day, h, m int) time.Time { return time.Date(2020, 1, day, h, m, 0, 0, wita) }
	three := &doctype.SLA{Kind: doctype.CalendarDays, N: 3}
	types, err := doctype.Defaults().With(doctype.Override{Code: doctype.KK, SLA: three})
	if err != nil {
		t.Fatal(err)
	}
	o := Office{Code: "73.71", Name: "Kota Makassar", Calendar: calendar.Default(wita), Types: types,
		Staff: 1, OvertimeCap: 8, Rates: Rates{Hourly: 20000, Meal: 37000}}
	// Wednesday to Friday, 20 Kartu Keluarga a day (20 staff-minutes each),
	// all due Monday 13 January at 15:00 (3 calendar days; the weekend
	// moves Saturday's and Sunday's deadlines to Monday). 20 hours of work:
	// Monday's 7.5 and 12.5 of overtime over the weekend.
	in := Input{Office: o, From: calendar.D(2020, 1, 7), To: calendar.D(2020, 1, 17),
		Outages: []Outage{{Start: at(8, 7, 30)}}, Now: at(10, 16, 0)}
	for d := calendar.D(2020, 1, 8); !d.After(calendar.D(2020, 1, 10)); d = d.AddDays(1) {
		in.Intake = append(in.Intake, backlog.Intake{Date: d, Type: doctype.KK, Count: 20})
	}
	p, err := BuildPromise(in)
	if err != nil {
		t.Fatal(err)
	}
	// A return after 07:30 on Saturday loses all of Saturday's overtime
	// (an hour may not touch the outage, nor any later hour that day).
	if !p.Kept || p.Deadline == nil || !p.Deadline.Equal(at(11, 7, 30)) {
		t.Fatalf("kept %v deadline %v, want Saturday 11 January 07:30 WITA", p.Kept, p.Deadline)
	}
	if len(p.Plan) == 0 || p.Plan[0].Date != calendar.D(2020, 1, 11) || p.Plan[0].Working || p.OvertimeHours != 13 {
		t.Fatalf("plan %+v (%d h), want 13 h starting on Saturday 11 January, marked not a working day", p.Plan, p.OvertimeHours)
	}
	if sat := p.Plan[0]; sat.Cost != int64(sat.Hours)*40000+37000 {
		t.Errorf("Saturday costs %d for %d h, want double rate and a meal", sat.Cost, sat.Hours)
	}
}
