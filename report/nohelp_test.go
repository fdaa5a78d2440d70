package report

import (
	"fmt"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// TestNoOvertimeThatHelpsNobody is issue 12's two cases where the former
// planner worked the cap on every day until the last unavoidably late file
// was done. Each is checked three ways: the plan's hours and cost, the
// former schedule's hours and cost, and that both give every file exactly
// the same lateness (so the hours the plan leaves out helped nobody), while
// one hour fewer than the plan makes some file later.
func TestNoOvertimeThatHelpsNobody(t *testing.T) {
	monday := calendar.D(2020, 1, 6)
	// Cut from Monday's opening to Tuesday's: no overtime on Monday evening.
	cutMonday := []Outage{{Start: monday.In(wita, 7*60+30), End: monday.AddDays(1).In(wita, 7*60+30)}}
	tests := []struct {
		name      string
		staff     int
		cap       int
		intake    func(d calendar.Date) []backlog.Intake
		formerly  map[calendar.Date]int // the former plan
		wantHours map[calendar.Date]int
		wantCost  int64
		oldCost   int64
	}{
		{
			// 6 staff; KK and Akta Kelahiran need the central system and are
			// due in 1 working hour, Legalisir does not. Monday is cut, so
			// Monday's 112 central files are late whatever is done, and the
			// queue they leave makes Tuesday's and Wednesday's late too.
			// Tuesday's 4 hours and Wednesday's working day leave 280
			// staff-minutes of Wednesday's last files, late by Thursday
			// morning: one hour on Wednesday evening (360) finishes them,
			// the other three help nobody.
			name: "KK, Akta Kelahiran and Legalisir", staff: 6, cap: 4,
			intake: func(d calendar.Date) []backlog.Intake {
				return []backlog.Intake{{Date: d, Type: doctype.KK, Count: 60}, {Date: d, Type: doctype.AktaLahir, Count: 52},
					{Date: d, Type: doctype.Legalisir, Count: 40}}
			},
			formerly:  map[calendar.Date]int{monday.AddDays(1): 4, monday.AddDays(2): 4},
			wantHours: map[calendar.Date]int{monday.AddDays(1): 4, monday.AddDays(2): 1},
			// 6 × 4 h × 20,000 + 6 meals of 37,000, then 6 × 1 h × 20,000.
			wantCost: 822000, oldCost: 1404000,
		},
		{
			// 3 staff, cap 2, KK due in 1 working hour: Monday's 35 and
			// Tuesday's 40 need 1,500 staff-minutes, Tuesday gives 1,350 in
			// working hours; Tuesday's last files would be late on
			// Wednesday morning, one hour of overtime (180) finishes them.
			name: "1-working-hour SLA", staff: 3, cap: 2,
			intake: func(d calendar.Date) []backlog.Intake {
				if d.After(monday.AddDays(1)) {
					return nil
				}
				return []backlog.Intake{{Date: d, Type: doctype.KK, Count: 35 + 5*monday.DaysUntil(d)}}
			},
			formerly:  map[calendar.Date]int{monday.AddDays(1): 2},
			wantHours: map[calendar.Date]int{monday.AddDays(1): 1},
			wantCost:  60000, oldCost: 231000,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := Office{Code: "73.71", Name: "Kota Makassar", Calendar: calendar.Default(wita), Types: doctype.Defaults(),
				Staff: tc.staff, OvertimeCap: tc.cap, Rates: Rates{Hourly: 20000, Meal: 37000}}
			var intake []backlog.Intake
			for d := monday; d.Before(monday.AddDays(5)); d = d.AddDays(1) {
				intake = append(intake, tc.intake(d)...)
			}
			in := Input{Office: o, From: monday, To: monday.AddDays(4), Intake: intake, Outages: cutMonday, Now: monday.In(wita, 0)}
			r := mustBuild(t, in)
			if r.Feasible {
				t.Fatal("feasible, want files late whatever is planned")
			}
			got := map[calendar.Date]int{}
			for _, d := range r.Days {
				if d.OvertimeHours > 0 {
					got[d.Date] = d.OvertimeHours
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.wantHours) || r.Totals.Cost != tc.wantCost {
				t.Fatalf("plan %v, Rp %d; want %v, Rp %d", got, r.Totals.Cost, tc.wantHours, tc.wantCost)
			}
			m, err := backlog.New(backlog.Config{
				Office: backlog.Office{Calendar: o.Calendar, Types: o.Types, Staff: o.Staff, OvertimeCap: o.OvertimeCap},
				From:   in.From, To: in.To, Intake: intake,
				Down: []backlog.Interval{{Start: cutMonday[0].Start, End: cutMonday[0].End}},
			})
			if err != nil {
				t.Fatal(err)
			}
			hours := func(byDay map[calendar.Date]int) []int {
				h := make([]int, len(m.Days()))
				for i, d := range m.Days() {
					h[i] = byDay[d.Date]
				}
				return h
			}
			var oldCost int64
			for d, h := range tc.formerly {
				oldCost += cost(d, h, &o)
			}
			if oldCost != tc.oldCost {
				t.Errorf("former plan costs Rp %d, want %d", oldCost, tc.oldCost)
			}
			plan, old := lateness(m, hours(tc.wantHours)), lateness(m, hours(tc.formerly))
			if fmt.Sprint(plan) != fmt.Sprint(old) {
				t.Errorf("the former plan changes some file's lateness:\n plan   %v\n former %v", plan, old)
			}
			late := 0
			for _, l := range plan {
				if l > 0 {
					late++
				}
			}
			if late != r.Totals.Late || late == 0 {
				t.Errorf("%d files late under the plan, report says %d", late, r.Totals.Late)
			}
			// One hour fewer on the last day makes some file later.
			fewer := hours(tc.wantHours)
			for i := len(fewer) - 1; i >= 0; i-- {
				if fewer[i] > 0 {
					fewer[i]--
					break
				}
			}
			if fmt.Sprint(lateness(m, fewer)) == fmt.Sprint(plan) {
				t.Error("one hour fewer gives the same lateness: the plan is not the least")
			}
		})
	}
}

// lateness is every file's lateness under hours (0 when on time).
func lateness(m *backlog.Model, hours []int) []time.Duration {
	out := make([]time.Duration, 0, len(m.Docs()))
	for _, d := range m.Run(hours) {
		var l time.Duration
		switch {
		case d.Completed.IsZero():
			l = 1 << 62 // pending at the end of the horizon: later than any
		case d.Completed.After(d.Deadline):
			l = d.Completed.Sub(d.Deadline)
		}
		out = append(out, l)
	}
	return out
}
