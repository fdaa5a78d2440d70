package backlog

import (
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// monthConfig is one office for January 2020: 80 files a working day of
// three types, a one-week SLA, cap 4, and the given cut.
func monthConfig(tb testing.TB, staff int, down []Interval) Config {
	tb.Helper()
	week := &doctype.SLA{Kind: doctype.CalendarDays, N: 7}
	types, err := doctype.Defaults().With(
		doctype.Override{Code: doctype.KK, SLA: week},
		doctype.Override{Code: doctype.AktaLahir, SLA: week},
		doctype.Override{Code: doctype.Suket, SLA: week},
		doctype.Override{Code: doctype.Legalisir, SLA: &doctype.SLA{Kind: doctype.Hours, N: 2}},
	)
	if err != nil {
		tb.Fatal(err)
	}
	cal := calendar.Default(wita)
	cfg := Config{
		Office: Office{Calendar: cal, Types: types, Staff: staff, OvertimeCap: 4},
		From:   calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 31), Down: down,
	}
	for d := cfg.From; !d.After(cfg.To); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			cfg.Intake = append(cfg.Intake, Intake{d, doctype.KK, 35}, Intake{d, doctype.AktaLahir, 30},
				Intake{d, doctype.Suket, 12}, Intake{d, doctype.Legalisir, 3})
		}
	}
	return cfg
}

func cut(from, to time.Time) []Interval { return []Interval{{from, to}} }

func monthCases(b *testing.B) []struct {
	name string
	cfg  Config
} {
	w := func(d, h, m int) time.Time { return time.Date(2020, 1, d, h, m, 0, 0, wita) }
	return []struct {
		name string
		cfg  Config
	}{
		{"no outage", monthConfig(b, 4, nil)},
		{"Makassar cut 8-16 Jan", monthConfig(b, 4, cut(w(8, 7, 30), w(16, 9, 0)))},
		{"3 staff, back 14 Jan", monthConfig(b, 3, cut(w(8, 7, 30), w(14, 7, 30)))},
	}
}

// BenchmarkPlanMonth times the planner alone on one office's month.
func BenchmarkPlanMonth(b *testing.B) {
	for _, tc := range monthCases(b) {
		m, err := New(tc.cfg)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				m.Plan()
			}
		})
	}
}

// BenchmarkModelMonth times a whole month: New, Plan and Replay.
func BenchmarkModelMonth(b *testing.B) {
	for _, tc := range monthCases(b) {
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				m, err := New(tc.cfg)
				if err != nil {
					b.Fatal(err)
				}
				m.Replay(m.Plan().Hours)
			}
		})
	}
}

// TestPlanOverloadedYear guards the search budget: an office short of staff
// every day of a year, with an outage each month, needs overtime all year
// and has many plans of the least total. The plan must still come back
// quickly, meet every deadline, and say that its tie-break is unproven.
func TestPlanOverloadedYear(t *testing.T) {
	cfg := monthConfig(t, 3, nil)
	cfg.To = calendar.D(2020, 12, 31)
	cfg.Intake = nil
	for i := range cfg.Office.Types {
		cfg.Office.Types[i].SLA = doctype.SLA{Kind: doctype.CalendarDays, N: 7}
	}
	for d := cfg.From; !d.After(cfg.To); d = d.AddDays(1) {
		if cfg.Office.Calendar.IsWorkingDay(d) {
			cfg.Intake = append(cfg.Intake, Intake{d, doctype.KK, 35}, Intake{d, doctype.AktaLahir, 30}, Intake{d, doctype.Suket, 12})
		}
	}
	for m := 1; m <= 12; m++ {
		s := time.Date(2020, time.Month(m), 8, 7, 30, 0, 0, wita)
		cfg.Down = append(cfg.Down, Interval{s, s.Add(time.Duration(3*m) * time.Hour)})
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p := m.Plan()
	if !p.Feasible || p.Earliest || p.Total == 0 {
		t.Errorf("feasible %v earliest %v total %d; want true, false (budget spent), some hours", p.Feasible, p.Earliest, p.Total)
	}
	if !m.simulate(p.Hours, m.rules(nil), nil) {
		t.Error("the plan misses a deadline")
	}
}
