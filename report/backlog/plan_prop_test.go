package backlog

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

var wita = mustZone("Asia/Makassar")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// randomConfig builds a small office: a few days, short SLAs, a low cap,
// so that brute force over every hour vector stays cheap.
func randomConfig(rng *rand.Rand) Config {
	cal := calendar.Default(wita)
	from := calendar.D(2020, 1, 6+rng.IntN(5)) // a weekday or two before a weekend
	if rng.IntN(4) == 0 {
		cal.AddHolidays(calendar.Holiday{Date: from.AddDays(1 + rng.IntN(3)), Kind: calendar.PublicHoliday, Name: "x"})
	}
	slas := []doctype.SLA{{Kind: doctype.Hours, N: 1 + rng.IntN(8)}, {Kind: doctype.WorkingDays, N: rng.IntN(4)}, {Kind: doctype.CalendarDays, N: 1 + rng.IntN(4)}}
	var types doctype.Catalogue
	for i := range 1 + rng.IntN(3) {
		types = append(types, doctype.Type{Code: fmt.Sprint("T", i), Name: "t", NeedsCentral: rng.IntN(3) > 0,
			SLA: slas[rng.IntN(len(slas))], StaffMinutes: 10 + 5*rng.IntN(6)})
	}
	days := 2 + rng.IntN(3)
	cfg := Config{
		Office:   Office{Calendar: cal, Types: types, Staff: 1 + rng.IntN(2), OvertimeCap: 1 + rng.IntN(2)},
		From:     from,
		To:       from.AddDays(days - 1),
		TailDays: -1,
	}
	for d := range days {
		date := from.AddDays(d)
		if !cal.IsWorkingDay(date) {
			continue
		}
		for _, t := range types {
			cfg.Intake = append(cfg.Intake, Intake{Date: date, Type: t.Code, Count: rng.IntN(30)})
		}
	}
	if rng.IntN(2) == 0 {
		// Tie-prone: one heavy first day just past what the working days
		// before its deadline can do, so the least total fits on several
		// days and the tie-break decides.
		n := 2 + rng.IntN(3)
		for i := range cfg.Office.Types {
			cfg.Office.Types[i].SLA = doctype.SLA{Kind: doctype.CalendarDays, N: n}
		}
		work := 0
		for d := range n + 1 {
			if cal.IsWorkingDay(from.AddDays(d)) {
				work += cfg.Office.Staff * 450
			}
		}
		work += 30 * (1 + rng.IntN(5))
		t := cfg.Office.Types[0]
		cfg.Intake = []Intake{{Date: from, Type: t.Code, Count: work / t.StaffMinutes}}
		if !cal.IsWorkingDay(from) {
			cfg.Intake = nil
		}
		return cfg
	}
	start := from.In(wita, 0)
	for range rng.IntN(3) {
		s := start.Add(time.Duration(rng.IntN(days*24*60)) * time.Minute)
		cfg.Down = append(cfg.Down, Interval{s, s.Add(time.Duration(30+rng.IntN(20*60)) * time.Minute)})
	}
	return cfg
}

// brute tries every hour vector within lo..hi and returns the least total
// meeting r, the earliest such vector, and whether any met r.
func brute(m *Model, lo, hi []int, r *rules) ([]int, bool) {
	h := append([]int(nil), lo...)
	var best []int
	bestTotal := -1
	for {
		if m.simulate(h, r, nil) {
			t := sum(h)
			if best == nil || t < bestTotal || (t == bestTotal && earlierInts(h, best)) {
				best, bestTotal = append([]int(nil), h...), t
			}
		}
		i := 0
		for ; i < len(h); i++ {
			if h[i] < hi[i] {
				h[i]++
				break
			}
			h[i] = lo[i]
		}
		if i == len(h) {
			return best, best != nil
		}
	}
}

// countLeast counts the schedules of least total meeting r.
func countLeast(m *Model, lo, hi []int, r *rules) int {
	h := append([]int(nil), lo...)
	least, count := -1, 0
	for {
		if m.simulate(h, r, nil) {
			switch t := sum(h); {
			case least < 0 || t < least:
				least, count = t, 1
			case t == least:
				count++
			}
		}
		i := 0
		for ; i < len(h); i++ {
			if h[i] < hi[i] {
				h[i]++
				break
			}
			h[i] = lo[i]
		}
		if i == len(h) {
			return count
		}
	}
}

func earlierInts(a, b []int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

func TestPlanMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(20200108, 20200116))
	checked, infeasible, positive, ties := 0, 0, 0, 0
	for n := 0; checked < 300; n++ {
		cfg := randomConfig(rng)
		m, err := New(cfg)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		hi := make([]int, len(m.days))
		space := 1
		for d := range hi {
			hi[d] = m.days[d].maxOT
			space *= hi[d] + 1
		}
		if space > 20000 {
			continue
		}
		checked++
		p := m.Plan()
		checkPlanShape(t, n, m, cfg, p)
		if !p.Earliest {
			t.Fatalf("case %d: small case ran out of search budget", n)
		}
		lo := make([]int, len(hi))
		r := m.rules(nil)
		want, ok := brute(m, lo, hi, r)
		if ok != p.Feasible {
			t.Fatalf("case %d: plan feasible=%v, brute force %v", n, p.Feasible, ok)
		}
		if !ok {
			// Check the fallback against brute force under its own rules:
			// each file finishing no later than it does at the maximum.
			infeasible++
			r = m.rules(m.leastLate(hi))
			want, ok = brute(m, lo, hi, r)
			if !ok {
				t.Fatalf("case %d: fallback rules unmet even at the maximum", n)
			}
		}
		if p.Total > 0 {
			positive++
		}
		if countLeast(m, lo, hi, r) > 1 {
			ties++
		}
		if fmt.Sprint(p.Hours) != fmt.Sprint(want) {
			t.Fatalf("case %d: plan %v (total %d), brute force %v (total %d)", n, p.Hours, p.Total, want, sum(want))
		}
	}
	t.Logf("%d cases checked against brute force: %d with unavoidable breaches, %d needing overtime, %d with several least schedules",
		checked, infeasible, positive, ties)
	if positive < checked/4 || ties < checked/10 {
		t.Errorf("generator too easy: %d needing overtime, %d ties of %d", positive, ties, checked)
	}
	if infeasible == 0 || infeasible == checked {
		t.Errorf("generator should give both kinds of case, got %d of %d infeasible", infeasible, checked)
	}
}

// checkPlanShape asserts what holds for every plan: at most the cap, whole
// hours inside the day, never touching a down interval.
func checkPlanShape(t *testing.T, n int, m *Model, cfg Config, p Plan) {
	t.Helper()
	if len(p.Hours) != len(m.Days()) || sum(p.Hours) != p.Total {
		t.Fatalf("case %d: hours %v do not match days or total %d", n, p.Hours, p.Total)
	}
	for d, h := range p.Hours {
		day := m.Days()[d]
		if h < 0 || h > cfg.Office.OvertimeCap {
			t.Fatalf("case %d: day %s: %d hours, cap %d", n, day.Date, h, cfg.Office.OvertimeCap)
		}
		if h == 0 {
			continue
		}
		a, b := day.OvertimeStart, day.OvertimeStart.Add(time.Duration(h)*time.Hour)
		if b.After(day.End) {
			t.Fatalf("case %d: day %s: overtime until %s passes midnight", n, day.Date, b)
		}
		for _, iv := range cfg.Down {
			if a.Before(iv.End) && iv.Start.Before(b) {
				t.Fatalf("case %d: day %s: overtime %s-%s inside down %s-%s", n, day.Date, a, b, iv.Start, iv.End)
			}
		}
	}
}
