package sla

import (
	"math"
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
	if r.MTTR != hours(2) || r.MTBF != hours(10) {
		t.Errorf("MTTR %s MTBF %s, want 2h and 10h (20 h up over 2 outages)", r.MTTR, r.MTBF)
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
