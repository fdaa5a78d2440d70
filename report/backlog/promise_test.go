package backlog

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// keepsAll is the brute force's own judgement of one return time: a fresh
// model of every file (those received after now too) with the central
// system down from start to back, the maximum overtime on every day (no
// schedule finishes any file earlier: TestMonotone), and every file
// received by now on time. Later files never delay earlier ones (first in,
// first out), so they may stay in.
func keepsAll(t *testing.T, cfg Config, start, back, now time.Time) (bool, []Doc) {
	t.Helper()
	cfg.Down = append(append([]Interval(nil), cfg.Down...), Interval{start, back})
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hi := make([]int, len(m.Days()))
	for d, day := range m.Days() {
		hi[d] = day.MaxOvertime
	}
	var late []Doc
	for _, d := range m.Run(hi) {
		if d.Arrived.After(now) {
			continue
		}
		if d.Completed.IsZero() || d.Completed.After(d.Deadline) {
			late = append(late, d)
		}
	}
	return len(late) == 0, late
}

// TestPromiseDeadlineMatchesBruteForce tries every 15-minute return on
// random small offices with an outage still open at now, and compares the
// latest return that keeps every promise (and, once none does, the broken
// files) with PromiseDeadline.
func TestPromiseDeadlineMatchesBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(2020, 108))
	kept, broken, plans, nonMonotone := 0, 0, 0, 0
	for n := range 120 {
		cfg := randomConfig(rng)
		cfg.TailDays = 2
		cfg.Down = nil
		zone := cfg.Office.Calendar.Zone
		start := cfg.From.In(zone, 0).Add(time.Duration(6*60+rng.IntN(36*60)) * time.Minute)
		now := start.Add(time.Duration(rng.IntN(24*60)) * time.Minute)
		p, err := PromiseDeadline(cfg, start, now)
		if err != nil {
			t.Fatalf("case %d: %v", n, err)
		}
		// The earliest return: the first slot boundary at or after now.
		first := now.Truncate(Slot)
		if first.Before(now) {
			first = first.Add(Slot)
		}
		if p.Waiting == 0 {
			if !p.Kept || !p.Deadline.IsZero() {
				t.Fatalf("case %d: nothing waits, got %+v", n, p)
			}
			continue
		}
		// Every return from the first on, until a day after the first one
		// that breaks a promise (to see whether a later one looks fine).
		var want, broke time.Time
		for back := first; broke.IsZero() || back.Before(broke.Add(24*time.Hour)); back = back.Add(Slot) {
			ok, _ := keepsAll(t, cfg, start, back, now)
			switch {
			case ok && broke.IsZero():
				want = back
			case ok:
				nonMonotone++
				back = broke.Add(24 * time.Hour)
			case broke.IsZero():
				broke = back
			}
		}
		if p.Kept != !want.IsZero() || !p.Deadline.Equal(want) {
			t.Fatalf("case %d (outage from %s, now %s): deadline %s kept %v, brute force %s",
				n, start.In(zone), now.In(zone), p.Deadline.In(zone), p.Kept, want.In(zone))
		}
		// The plan's overtime, replayed with every file and the link back
		// at ReturnAt, keeps the promise (or breaks exactly the files
		// Broken names, each finishing when it says).
		hours := map[calendar.Date]int{}
		for _, d := range p.Plan {
			hours[d.Date] = d.Hours
		}
		full := cfg
		full.Down = []Interval{{start, p.ReturnAt}}
		m, err := New(full)
		if err != nil {
			t.Fatal(err)
		}
		x := make([]int, len(m.Days()))
		for d, day := range m.Days() {
			x[d] = hours[day.Date]
		}
		var late []Doc
		for _, d := range m.Run(x) {
			if !d.Arrived.After(now) && (d.Completed.IsZero() || d.Completed.After(d.Deadline)) {
				late = append(late, d)
			}
		}
		_, leastLate := keepsAll(t, cfg, start, p.ReturnAt, now)
		if len(late) != len(p.Broken) || len(leastLate) != len(late) {
			t.Fatalf("case %d: plan %v leaves %d late, Broken lists %d, %d late at the maximum", n, p.Plan, len(late), len(p.Broken), len(leastLate))
		}
		for i := range late {
			if !late[i].Completed.Equal(p.Broken[i].Completed) || !leastLate[i].Completed.Equal(late[i].Completed) {
				t.Fatalf("case %d: broken file %d completes %s, replay %s, at the maximum %s", n, i, p.Broken[i].Completed, late[i].Completed, leastLate[i].Completed)
			}
		}
		if p.Kept {
			kept++
		} else {
			broken++
		}
		if p.Total > 0 {
			plans++
		}
	}
	t.Logf("promise deadline = brute force over 15-minute returns: %d kept, %d already broken, %d needing overtime, %d where a later return looked fine again",
		kept, broken, plans, nonMonotone)
	if kept < 10 || broken < 10 || plans < 5 {
		t.Errorf("generator too easy: %d kept, %d broken, %d with overtime", kept, broken, plans)
	}
}

// TestPromiseMakassar is the seed office on Thursday 9 January 2020 at
// 10:00 WITA, the cut open since Wednesday 07:30: how long can the link
// stay away before the one-week promise fails for a file received so far?
func TestPromiseMakassar(t *testing.T) {
	cal := calendar.Default(wita)
	week := &doctype.SLA{Kind: doctype.CalendarDays, N: 7}
	types, err := doctype.Defaults().With(doctype.Override{Code: doctype.KK, SLA: week},
		doctype.Override{Code: doctype.AktaLahir, SLA: week}, doctype.Override{Code: doctype.Suket, SLA: week})
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Office: Office{Calendar: cal, Types: types, Staff: 4, OvertimeCap: 4},
		From: calendar.D(2020, 1, 7), To: calendar.D(2020, 1, 31), PlanFrom: calendar.D(2020, 1, 9)}
	for d := cfg.From; !d.After(cfg.To); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			cfg.Intake = append(cfg.Intake, Intake{d, doctype.KK, 35}, Intake{d, doctype.AktaLahir, 30}, Intake{d, doctype.Suket, 15})
		}
	}
	start, now := time.Date(2020, 1, 8, 7, 30, 0, 0, wita), time.Date(2020, 1, 9, 10, 0, 0, 0, wita)
	p, err := PromiseDeadline(cfg, start, now)
	if err != nil {
		t.Fatal(err)
	}
	// Received by now: 7 January's 80, 8 January's 80, and of 9 January's
	// (each type spread over 07:30-15:00, file j of n at j/n of it) those
	// by 10:00: KK 12 of 35, Akta Kelahiran 11 of 30, Surat Keterangan 6
	// of 15.
	if p.Received != 80+80+12+11+6 || !p.Kept {
		t.Fatalf("received %d kept %v, want 189 kept", p.Received, p.Kept)
	}
	ok, _ := keepsAll(t, cfg, start, p.Deadline, now)
	after, _ := keepsAll(t, cfg, start, p.Deadline.Add(Slot), now)
	if !ok || after {
		t.Fatalf("deadline %s: keeps %v, a slot later keeps %v", p.Deadline.In(wita), ok, after)
	}
	t.Logf("link must be back by %s WITA; then %d h of overtime: %+v", p.Deadline.In(wita).Format("Mon 2 Jan 15:04"), p.Total, p.Plan)
}
