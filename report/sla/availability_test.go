package sla

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

var wita, _ = time.LoadLocation("Asia/Makassar")

// w is 2020-01-dd hh:mm WITA; 6 January 2020 is a Monday.
func w(d, h, m int) time.Time { return time.Date(2020, 1, d, h, m, 0, 0, wita).UTC() }

func hours(h float64) calendar.Duration { return calendar.Duration(h * float64(time.Hour)) }

func TestCompute(t *testing.T) {
	cal := calendar.Default(wita)
	from, to := w(6, 0, 0), w(7, 0, 0) // Monday, 24 h, 7.5 working hours
	tests := []struct {
		name         string
		spans        []Span
		all, working *float64
		outages      int
		longest      calendar.Duration
		unknown      calendar.Duration
		maint        calendar.Duration
	}{
		{"all up", []Span{{from, to, Up}}, f(1), f(1), 0, 0, 0, 0},
		{"night outage spares working hours", []Span{{from, to, Up}, {w(6, 20, 0), w(6, 22, 24), Down}},
			f(0.9), f(1), 1, hours(2.4), 0, 0},
		{"working-hours outage", []Span{{from, to, Up}, {w(6, 8, 0), w(6, 8, 45), Down}},
			f(1 - 0.75/24), f(1 - 0.75/7.5), 1, hours(0.75), 0, 0},
		{"unknown is excluded, not up", []Span{{from, w(6, 12, 0), Up}, {w(6, 12, 0), w(6, 18, 0), Down}},
			f(12.0 / 18), f(4.5 / 7.5), 1, hours(6), hours(6), 0},
		{"maintenance beats down and is excluded", []Span{{from, to, Up}, {w(6, 9, 0), w(6, 11, 0), Down}, {w(6, 10, 0), w(6, 12, 0), Maintenance}},
			f(21.0 / 22), f(4.5 / 5.5), 1, hours(1), 0, hours(2)},
		{"unknown inside an outage does not end it", []Span{{from, w(6, 1, 0), Up}, {w(6, 1, 0), w(6, 2, 0), Down}, {w(6, 3, 0), w(6, 4, 0), Down}, {w(6, 4, 0), to, Up}},
			f(21.0 / 23), f(1), 1, hours(2), hours(1), 0},
		{"up between two outages ends the first", []Span{{from, to, Up}, {w(6, 1, 0), w(6, 2, 0), Down}, {w(6, 3, 0), w(6, 4, 0), Down}},
			f(22.0 / 24), f(1), 2, hours(1), 0, 0},
		{"nothing known", nil, nil, nil, 0, 0, hours(24), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compute(tc.spans, from, to, cal)
			if err != nil {
				t.Fatal(err)
			}
			if !same(r.All.Availability, tc.all) || !same(r.WorkingHours.Availability, tc.working) {
				t.Errorf("availability %v / %v, want %v / %v", show(r.All.Availability), show(r.WorkingHours.Availability), show(tc.all), show(tc.working))
			}
			if r.Outages != tc.outages || r.Longest != tc.longest || r.All.Unknown != tc.unknown || r.All.Maintenance != tc.maint {
				t.Errorf("outages %d longest %s unknown %s maintenance %s, want %d %s %s %s",
					r.Outages, r.Longest, r.All.Unknown, r.All.Maintenance, tc.outages, tc.longest, tc.unknown, tc.maint)
			}
			if total := r.All.Up + r.All.Down + r.All.Unknown + r.All.Maintenance; total != hours(24) {
				t.Errorf("states add to %s, want the whole 24h", total)
			}
		})
	}
}

func TestMTTRMTBF(t *testing.T) {
	spans := []Span{{w(6, 0, 0), w(7, 0, 0), Up}, {w(6, 1, 0), w(6, 2, 0), Down}, {w(6, 5, 0), w(6, 8, 0), Down}}
	r, err := Compute(spans, w(6, 0, 0), w(7, 0, 0), calendar.Default(wita))
	if err != nil {
		t.Fatal(err)
	}
	// Between the two outages the link was up 02:00-05:00.
	if r.MTTR != hours(2) || r.MTBF != hours(3) || !r.HasMTBF() {
		t.Errorf("MTTR %s MTBF %s, want 2h and 3h (up 02:00-05:00 between the two outages)", r.MTTR, r.MTBF)
	}
	one, err := Compute(spans[:2], w(6, 0, 0), w(7, 0, 0), calendar.Default(wita))
	if err != nil {
		t.Fatal(err)
	}
	if one.HasMTBF() || one.MTBF != 0 || one.MTTR != hours(1) {
		t.Errorf("one outage: MTBF %s (shown %v), want none", one.MTBF, one.HasMTBF())
	}
}

// TestCoverage is issue 12's case: a probe that reported for 5 minutes of
// a 14-day period, with a 4-minute cut. The share is measured over 5
// minutes, and that is far below enough of the period to stand alone.
func TestCoverage(t *testing.T) {
	from := w(1, 0, 0)
	to := from.Add(14 * 24 * time.Hour)
	at := w(13, 10, 0)
	spans := []Span{{at, at.Add(time.Minute), Up}, {at.Add(time.Minute), at.Add(5 * time.Minute), Down}}
	r, err := Compute(spans, from, to, calendar.Default(wita))
	if err != nil {
		t.Fatal(err)
	}
	a := r.All
	if a.Measured != calendar.Duration(5*time.Minute) || a.Period != calendar.Duration(14*24*time.Hour) || a.Enough ||
		a.Coverage == nil || *a.Coverage > 0.001 || !same(a.Availability, f(0.2)) {
		t.Errorf("all: %+v (coverage %v)", a, show(a.Coverage))
	}
	// Fully measured, a planned window aside: enough.
	full := []Span{{from, to, Up}, {from, from.Add(24 * time.Hour), Maintenance}, {from.Add(48 * time.Hour), from.Add(49 * time.Hour), Down}}
	r, err = Compute(full, from, to, calendar.Default(wita))
	if err != nil {
		t.Fatal(err)
	}
	if a := r.All; !a.Enough || a.Coverage == nil || *a.Coverage != 1 || a.Measured != calendar.Duration(13*24*time.Hour) {
		t.Errorf("full: %+v", a)
	}
	if wh := r.WorkingHours; !wh.Enough || wh.Period == 0 || wh.Period >= r.All.Period {
		t.Errorf("working hours: %+v", wh)
	}
	// 89 % measured is not enough, 90 % is.
	for _, tc := range []struct {
		unknownHours int
		enough       bool
	}{{37, false}, {33, true}} {
		spans := []Span{{from.Add(time.Duration(tc.unknownHours) * time.Hour), to, Up}}
		r, err := Compute(spans, from, to, calendar.Default(wita))
		if err != nil {
			t.Fatal(err)
		}
		if r.All.Enough != tc.enough {
			t.Errorf("%d h unknown of 336: enough %v, want %v (coverage %v)", tc.unknownHours, r.All.Enough, tc.enough, show(r.All.Coverage))
		}
	}
}

func TestComputeErrors(t *testing.T) {
	cal := calendar.Default(wita)
	tests := []struct {
		name    string
		spans   []Span
		wantErr string
	}{
		{"bad state", []Span{{w(6, 0, 0), w(6, 1, 0), "flaky"}}, `spans[0]: state: unknown "flaky"`},
		{"backwards", []Span{{w(6, 1, 0), w(6, 0, 0), Up}}, "spans[0]: end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compute(tc.spans, w(6, 0, 0), w(7, 0, 0), cal)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func f(v float64) *float64 { return &v }

func same(a, b *float64) bool {
	if a == nil || b == nil {
		return a == b
	}
	return math.Abs(*a-*b) < 1e-9
}

func show(p *float64) any {
	if p == nil {
		return "nil"
	}
	return *p
}

// TestMeterSplit: a Meter stopped at any instant, kept as JSON and
// carried on gives the report Compute gives in one pass.
func TestMeterSplit(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Makassar")
	cal := calendar.Default(loc)
	rnd := rand.New(rand.NewPCG(7, 14))
	from := time.Date(2020, 1, 6, 0, 0, 0, 0, loc)
	states := []State{Up, Unknown, Down, Maintenance}
	for n := range 300 {
		var spans []Span
		for range rnd.IntN(12) {
			a := from.Add(time.Duration(rnd.IntN(14*24*60)) * time.Minute)
			spans = append(spans, Span{Start: a, End: a.Add(time.Duration(1+rnd.IntN(3*24*60)) * time.Minute), State: states[rnd.IntN(len(states))]})
		}
		to := from.Add(time.Duration(1+rnd.IntN(14*24*60)) * time.Minute)
		want, err := Compute(spans, from, to, cal)
		if err != nil {
			t.Fatal(err)
		}
		at := from.Add(time.Duration(rnd.Int64N(int64(to.Sub(from)) + 1)))
		m := NewMeter(from)
		if err := m.Add(spans, at, cal.WorkingSpans(from, at)); err != nil {
			t.Fatal(err)
		}
		j, _ := json.Marshal(m)
		var kept Meter
		if err := json.Unmarshal(j, &kept); err != nil {
			t.Fatal(err)
		}
		// Working spans of a whole day around the rest, as stored rows keep them.
		if err := kept.Add(spans, to, cal.WorkingSpans(at.Add(-24*time.Hour), to.Add(24*time.Hour))); err != nil {
			t.Fatal(err)
		}
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(kept.Report())
		if string(wj) != string(gj) {
			t.Fatalf("case %d split at %s: got %s\nwant %s", n, at, gj, wj)
		}
	}
}
