package report

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// TestBuildInvariants builds random offices and periods and checks that
// the figures agree with each other: the backlog is yesterday's plus
// today's files less today's completions, overdue files are pending ones,
// shares stay in [0, 1], and the totals add up.
func TestBuildInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(73, 71))
	zones := []*time.Location{mustZone("Asia/Jakarta"), wita, mustZone("Asia/Jayapura")}
	slas := []doctype.SLA{{Kind: doctype.Hours, N: 1}, {Kind: doctype.Hours, N: 6}, {Kind: doctype.WorkingDays, N: 2}, {Kind: doctype.CalendarDays, N: 7}}
	for n := range 150 {
		cal := calendar.Default(zones[n%3])
		var types doctype.Catalogue
		for i := range 1 + rng.IntN(4) {
			types = append(types, doctype.Type{Code: fmt.Sprint("T", i), Name: "t", NeedsCentral: rng.IntN(4) > 0,
				SLA: slas[rng.IntN(len(slas))], StaffMinutes: 5 + rng.IntN(30)})
		}
		from := calendar.D(2020, 1, 1+rng.IntN(20))
		in := Input{
			Office: Office{Code: "x", Name: "x", Calendar: cal, Types: types, Staff: 1 + rng.IntN(5),
				OvertimeCap: rng.IntN(5), Rates: Rates{Hourly: 20000, Meal: 37000}},
			From: from, To: from.AddDays(5 + rng.IntN(25)),
		}
		for d := from; !d.After(in.To); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) {
				for _, ty := range types {
					in.Intake = append(in.Intake, backlog.Intake{Date: d, Type: ty.Code, Count: rng.IntN(40)})
				}
			}
		}
		for range rng.IntN(3) {
			s := from.In(cal.Zone, 0).Add(time.Duration(rng.IntN(20*24)) * time.Hour)
			in.Outages = append(in.Outages, Outage{Start: s, End: s.Add(time.Duration(1+rng.IntN(96)) * time.Hour)})
		}
		r, err := Build(in)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		checkInvariants(t, n, in, r)
	}
}

func checkInvariants(t *testing.T, n int, in Input, r *Report) {
	t.Helper()
	prev, received, hours, staffHours := 0, 0, 0, 0
	var cost int64
	for _, d := range r.Days {
		if d.Backlog != prev+d.Received-d.Completed {
			t.Fatalf("case %d %s: backlog %d, want %d + %d - %d", n, d.Date, d.Backlog, prev, d.Received, d.Completed)
		}
		if d.Overdue > d.Backlog || d.OnTime+d.LateCompleted != d.Completed || d.Backlog < 0 {
			t.Fatalf("case %d %s: inconsistent %+v", n, d.Date, d)
		}
		if c := d.Compliance; c != nil && (*c < 0 || *c > 1) {
			t.Fatalf("case %d %s: compliance %v", n, d.Date, *c)
		}
		if d.OvertimeHours > in.Office.OvertimeCap || d.StaffHours != d.OvertimeHours*in.Office.Staff {
			t.Fatalf("case %d %s: %d hours, %d staff-hours, cap %d", n, d.Date, d.OvertimeHours, d.StaffHours, in.Office.OvertimeCap)
		}
		prev = d.Backlog
		received += d.Received
		hours += d.OvertimeHours
		staffHours += d.StaffHours
		cost += d.Cost
	}
	tt := r.Totals
	if tt.Received != received || tt.OnTime+tt.Late != tt.Received || tt.OvertimeHours != hours || tt.StaffHours != staffHours || tt.Cost != cost {
		t.Fatalf("case %d: totals %+v do not add up (received %d, hours %d, cost %d)", n, tt, received, hours, cost)
	}
	if tt.Compliance < 0 || tt.Compliance > 1 || (r.Feasible && tt.Late != 0) {
		t.Fatalf("case %d: feasible %v with totals %+v", n, r.Feasible, tt)
	}
	breached := 0
	for _, b := range r.Breaches {
		breached += b.Count
		if b.MinLateness <= 0 || b.MaxLateness < b.MinLateness {
			t.Fatalf("case %d: breach %+v", n, b)
		}
	}
	if breached != tt.Late {
		t.Fatalf("case %d: %d files in breaches, %d late", n, breached, tt.Late)
	}
	// A clearance date on a closed day only with overtime planned that day.
	if c := r.Clearance; c != nil && !in.Office.Calendar.IsWorkingDay(*c) {
		for _, d := range r.Days {
			if d.Date == *c && (d.OvertimeHours == 0 || d.Working) {
				t.Fatalf("case %d: clearance on closed %s without overtime: %+v", n, *c, d)
			}
		}
	}
}

// TestPromiseInvariants judges random offices' open outages at random
// moments: a promise deadline on a closed day comes with overtime planned
// that day and marked as not a working day; the plan's cost adds up; a
// broken promise lists its late files.
func TestPromiseInvariants(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 24))
	slas := []doctype.SLA{{Kind: doctype.Hours, N: 2}, {Kind: doctype.WorkingDays, N: 1}, {Kind: doctype.CalendarDays, N: 3},
		{Kind: doctype.Periods24h, N: 2}}
	closedDeadlines := 0
	for n := range 60 {
		cal := calendar.Default(wita)
		types := doctype.Catalogue{{Code: "C", Name: "c", NeedsCentral: true, SLA: slas[rng.IntN(len(slas))], StaffMinutes: 10 + rng.IntN(20)},
			{Code: "L", Name: "l", SLA: slas[rng.IntN(len(slas))], StaffMinutes: 5}}
		from := calendar.D(2020, 1, 6+rng.IntN(5))
		in := Input{Office: Office{Code: "x", Name: "x", Calendar: cal, Types: types, Staff: 1 + rng.IntN(3),
			OvertimeCap: 2 + rng.IntN(7), Rates: Rates{Hourly: 20000, Meal: 37000}}, From: from, To: from.AddDays(10)}
		for d := from; !d.After(in.To); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) {
				in.Intake = append(in.Intake, backlog.Intake{Date: d, Type: "C", Count: rng.IntN(30)}, backlog.Intake{Date: d, Type: "L", Count: rng.IntN(10)})
			}
		}
		start := from.In(wita, 0).Add(time.Duration(7*60+rng.IntN(48*60)) * time.Minute)
		in.Outages = []Outage{{Start: start}}
		in.Now = start.Add(time.Duration(rng.IntN(48*60)) * time.Minute)
		p, err := BuildPromise(in)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		var cost int64
		for _, d := range p.Plan {
			cost += d.Cost
			if d.Working != cal.IsWorkingDay(d.Date) || d.Hours == 0 {
				t.Fatalf("case %d: plan day %+v", n, d)
			}
		}
		if cost != p.Cost || (p.Kept != (len(p.Broken) == 0)) || (p.Kept && p.Waiting > 0) != (p.Deadline != nil) {
			t.Fatalf("case %d: promise %+v", n, p)
		}
		if p.Deadline != nil && !cal.IsWorkingDay(calendar.DateOf(*p.Deadline, wita)) {
			day := calendar.DateOf(*p.Deadline, wita)
			found := false
			for _, d := range p.Plan {
				found = found || (d.Date == day && !d.Working)
			}
			// A return on a closed day is the latest only because that
			// day's overtime needs it (else the next working morning would
			// do as well); a return at the very start of the next day is
			// the previous evening's boundary.
			if !found && !p.Deadline.Equal(day.AddDays(1).In(wita, 0)) {
				t.Fatalf("case %d: deadline %s on closed %s without overtime that day: %+v", n, p.Deadline.In(wita), day, p.Plan)
			}
			closedDeadlines++
		}
	}
	t.Logf("%d promise deadlines on a closed day, each with that day's overtime", closedDeadlines)
}
