package backlog

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// Monday 6 January 2020, in WITA.
var monday = calendar.D(2020, 1, 6)

func w(day, h, m int) time.Time { return time.Date(2020, 1, day, h, m, 0, 0, wita).UTC() }

// tiny is one person, cap 4, a central type C and a local type N of 15
// staff-minutes each, due at the end of the next working day.
func tiny(sla doctype.SLA, intake ...Intake) Config {
	return Config{
		Office: Office{Calendar: calendar.Default(wita), Staff: 1, OvertimeCap: 4, Types: doctype.Catalogue{
			{Code: "C", Name: "central", NeedsCentral: true, SLA: sla, StaffMinutes: 15},
			{Code: "N", Name: "local", SLA: sla, StaffMinutes: 15},
		}},
		From: monday, To: monday.AddDays(4), Intake: intake, TailDays: -1,
	}
}

func mustNew(t *testing.T, cfg Config) *Model {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestServe(t *testing.T) {
	oneDay := doctype.SLA{Kind: doctype.WorkingDays, N: 1}
	tests := []struct {
		name string
		cfg  Config
		want []time.Time // completions in arrival order
	}{
		{"spread over counter hours, done at once", tiny(oneDay, Intake{monday, "C", 2}),
			[]time.Time{w(6, 7, 45), w(6, 11, 30)}},
		{"central waits while down, local served meanwhile", func() Config {
			c := tiny(oneDay, Intake{monday, "C", 1}, Intake{monday, "N", 1})
			c.Down = []Interval{{w(6, 7, 0), w(6, 9, 0)}}
			return c
		}(), []time.Time{w(6, 9, 15), w(6, 7, 45)}},
		{"a down slot is down if touched at all", func() Config {
			c := tiny(oneDay, Intake{monday, "C", 1})
			c.Down = []Interval{{w(6, 7, 0), w(6, 8, 50)}}
			return c
		}(), []time.Time{w(6, 9, 15)}},
		{"first in first out across both queues", tiny(oneDay, Intake{monday, "N", 1}, Intake{monday, "C", 1}),
			[]time.Time{w(6, 7, 45), w(6, 8, 0)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			docs := mustNew(t, tc.cfg).Run(nil)
			if len(docs) != len(tc.want) {
				t.Fatalf("%d docs, want %d", len(docs), len(tc.want))
			}
			for i, d := range docs {
				if !d.Completed.Equal(tc.want[i]) {
					t.Errorf("doc %d (%s) completed %s, want %s", i, tc.cfg.Office.Types[d.Type].Code,
						d.Completed.In(wita), tc.want[i].In(wita))
				}
			}
		})
	}
}

func TestPlanCases(t *testing.T) {
	one := doctype.SLA{Kind: doctype.WorkingDays, N: 1}
	two := doctype.SLA{Kind: doctype.WorkingDays, N: 2}
	tests := []struct {
		name     string
		cfg      Config
		want     []int // first days of the plan
		feasible bool
	}{
		{"no overtime when capacity suffices", tiny(one, Intake{monday, "C", 30}), []int{0, 0, 0}, true},
		// 64 files of 15 minutes on Monday, due Tuesday 15:00: two days
		// give 900 minutes, one hour short. Tuesday's overtime is after the
		// deadline, so only Monday's helps.
		{"the one useful hour", tiny(one, Intake{monday, "C", 64}, Intake{monday.AddDays(1), "C", 30}), []int{1, 0, 0}, true},
		// 94 files due Wednesday: one hour short, Monday or Tuesday would
		// do; the earliest wins.
		{"earliest among the least", tiny(two, Intake{monday, "C", 94}), []int{1, 0, 0}, true},
		// Cut all Monday: only 30 of the 60 can be done by Tuesday 15:00,
		// so 30 are late whatever is planned; the cap is worked from the end
		// of the cut (Tuesday's 4 hours finish 16 of them that evening).
		// The other 14 are done by Wednesday 10:30 in working hours, so
		// Wednesday's overtime would help nobody: none is planned.
		{"unavoidable: cap from the end of the cut, no hour that helps nobody", func() Config {
			c := tiny(one, Intake{monday, "C", 60})
			c.Down = []Interval{{w(6, 0, 0), w(7, 0, 0)}}
			return c
		}(), []int{0, 4, 0, 0}, false},
		// As above with 80 files: 50 late. Tuesday's 4 hours and Wednesday's
		// working day finish 46 of them; the last 4 take one more hour on
		// Wednesday evening, not the cap of 4.
		{"unavoidable: the last capped day works fewer hours", func() Config {
			c := tiny(one, Intake{monday, "C", 80})
			c.Down = []Interval{{w(6, 0, 0), w(7, 0, 0)}}
			return c
		}(), []int{0, 4, 1, 0}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, tc.cfg).Plan()
			if p.Feasible != tc.feasible {
				t.Errorf("feasible = %v, want %v", p.Feasible, tc.feasible)
			}
			for i, h := range tc.want {
				if p.Hours[i] != h {
					t.Fatalf("hours %v, want prefix %v", p.Hours, tc.want)
				}
			}
		})
	}
}

func TestMaxOvertime(t *testing.T) {
	tests := []struct {
		name string
		cap  int
		down []Interval
		want int
	}{
		{"cap", 4, nil, 4},
		{"an hour touching an outage is not worked", 4, []Interval{{w(6, 15, 30), w(6, 16, 0)}}, 0},
		{"hours before the outage are", 4, []Interval{{w(6, 17, 15), w(6, 18, 0)}}, 2},
		{"not past midnight", 16, nil, 9},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tiny(doctype.SLA{Kind: doctype.WorkingDays, N: 1})
			cfg.Office.OvertimeCap, cfg.Down = tc.cap, tc.down
			d := mustNew(t, cfg).Days()[0]
			if d.MaxOvertime != tc.want || !d.OvertimeStart.Equal(w(6, 15, 0)) {
				t.Errorf("max %d from %s, want %d from 15:00", d.MaxOvertime, d.OvertimeStart.In(wita), tc.want)
			}
		})
	}
	cfg := tiny(doctype.SLA{Kind: doctype.WorkingDays, N: 1})
	cfg.To = monday.AddDays(6)
	sat := mustNew(t, cfg).Days()[5]
	if sat.Working || !sat.OvertimeStart.Equal(w(11, 7, 30)) {
		t.Errorf("saturday %+v, want overtime from the usual 07:30", sat)
	}
}

func TestNewErrors(t *testing.T) {
	sla := doctype.SLA{Kind: doctype.WorkingDays, N: 1}
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"unknown type", tiny(sla, Intake{monday, "KTP", 1}), `intake[0]: type: unknown "KTP"`},
		{"intake on a closed day", tiny(sla, Intake{monday.AddDays(6), "C", 1}), "intake[0]: date: 2020-01-12 has no counter hours"},
		{"negative count", tiny(sla, Intake{monday, "C", -1}), "intake[0]: count"},
		{"no staff", func() Config { c := tiny(sla); c.Office.Staff = 0; return c }(), "office: staff"},
		{"backwards down", func() Config { c := tiny(sla); c.Down = []Interval{{w(6, 9, 0), w(6, 8, 0)}}; return c }(), "down[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestMonotone checks the lemma the planner rests on: more overtime on any
// day never makes any document complete later.
func TestMonotone(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 16))
	for n := range 300 {
		m, err := New(randomConfig(rng))
		if err != nil {
			t.Fatal(err)
		}
		x, y := make([]int, len(m.days)), make([]int, len(m.days))
		for d := range x {
			x[d] = rng.IntN(m.days[d].maxOT + 1)
			y[d] = x[d] + rng.IntN(m.days[d].maxOT-x[d]+1)
		}
		a, b := m.Run(x), m.Run(y)
		for i := range a {
			if b[i].Completed.IsZero() && !a[i].Completed.IsZero() || !b[i].Completed.IsZero() && !a[i].Completed.IsZero() && b[i].Completed.After(a[i].Completed) {
				t.Fatalf("case %d doc %d: %v hours complete at %s, more (%v) at %s", n, i, x, a[i].Completed, y, b[i].Completed)
			}
		}
	}
}

func TestCounterHours(t *testing.T) {
	sla := doctype.SLA{Kind: doctype.WorkingDays, N: 1}
	tests := []struct {
		name   string
		setup  func(*calendar.Calendar)
		wantAt []time.Time
	}{
		{"same as working hours by default", func(*calendar.Calendar) {}, []time.Time{w(6, 7, 30), w(6, 11, 15)}},
		{"own counter hours", func(c *calendar.Calendar) {
			wk := calendar.Week{}
			wk[time.Monday] = calendar.HM(8, 0, 12, 0)
			c.Counter = &wk
		}, []time.Time{w(6, 8, 0), w(6, 10, 0)}},
		{"ramadan schedule", func(c *calendar.Calendar) {
			c.Ramadan = []calendar.Ramadan{{From: monday, To: monday, Work: calendar.RamadanWeek()}}
		}, []time.Time{w(6, 8, 0), w(6, 11, 15)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tiny(sla, Intake{monday, "C", 2})
			tc.setup(cfg.Office.Calendar)
			docs := mustNew(t, cfg).Docs()
			for i, d := range docs {
				if !d.Arrived.Equal(tc.wantAt[i]) {
					t.Errorf("file %d arrives %s, want %s", i, d.Arrived.In(wita), tc.wantAt[i].In(wita))
				}
			}
		})
	}
}
