package calendar

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var wita = mustZone("Asia/Makassar")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(m time.Month, d, h, min int) time.Time { return time.Date(2020, m, d, h, min, 0, 0, wita) }

func testCalendar() *Calendar {
	c := Default(wita)
	c.AddHolidays(Holiday{D(2020, 1, 1), PublicHoliday, "Tahun Baru"})
	c.Ramadan = []Ramadan{{From: D(2020, 4, 24), To: D(2020, 5, 23), Work: RamadanWeek()}}
	return c
}

func TestWorkHours(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name string
		date Date
		want Span
	}{
		{"weekday is 07:30-15:00", D(2020, 1, 8), HM(7, 30, 15, 0)},
		{"saturday closed", D(2020, 1, 11), Span{}},
		{"holiday closed", D(2020, 1, 1), Span{}},
		{"ramadan shorter", D(2020, 4, 27), HM(8, 0, 14, 30)},
		{"day after ramadan back to normal", D(2020, 5, 25), HM(7, 30, 15, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.WorkHours(tc.date); got != tc.want {
				t.Errorf("WorkHours(%s) = %v, want %v", tc.date, got, tc.want)
			}
			if got := c.CounterHours(tc.date); got != tc.want {
				t.Errorf("CounterHours(%s) = %v, want %v (same as work unless set)", tc.date, got, tc.want)
			}
		})
	}
	week := 0
	for _, s := range CivilServiceWeek() {
		week += s.Minutes()
	}
	if week != 37*60+30 {
		t.Errorf("civil-service week = %d minutes, want 37.5 hours", week)
	}
}

func TestAddWorkingTime(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name     string
		from     time.Time
		dur      time.Duration
		wantWITA time.Time
	}{
		{"inside the day", at(1, 8, 10, 0), time.Hour, at(1, 8, 11, 0)},
		{"lands on closing stays there", at(1, 8, 14, 0), time.Hour, at(1, 8, 15, 0)},
		{"carries to next morning", at(1, 8, 14, 45), time.Hour, at(1, 9, 8, 15)},
		{"friday afternoon to monday", at(1, 10, 14, 30), 2 * time.Hour, at(1, 13, 9, 0)},
		{"before opening starts at opening", at(1, 8, 6, 0), time.Hour, at(1, 8, 8, 30)},
		{"over the new-year holiday", at(12, 31, 14, 0).AddDate(-1, 0, 0), 2 * time.Hour, at(1, 2, 8, 30)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.AddWorkingTime(tc.from, tc.dur); !got.Equal(tc.wantWITA) {
				t.Errorf("got %s, want %s", got.In(wita), tc.wantWITA)
			}
		})
	}
}

func TestWorkingDays(t *testing.T) {
	c := testCalendar()
	tests := []struct {
		name string
		got  Date
		want Date
	}{
		{"1 working day after friday is monday", c.NthWorkingDayAfter(D(2020, 1, 10), 1), D(2020, 1, 13)},
		{"holiday skipped", c.NthWorkingDayAfter(D(2019, 12, 31), 1), D(2020, 1, 2)},
		{"0 on a saturday is monday", c.NthWorkingDayAfter(D(2020, 1, 11), 0), D(2020, 1, 13)},
		{"5 working days is a week", c.NthWorkingDayAfter(D(2020, 1, 8), 5), D(2020, 1, 15)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestWorkingSpans(t *testing.T) {
	c := testCalendar()
	got := c.WorkingTime(at(1, 10, 12, 0), at(1, 13, 9, 0))
	if want := 3*time.Hour + 90*time.Minute; got != want {
		t.Errorf("working time Fri 12:00 to Mon 09:00 = %s, want %s", got, want)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Calendar)
		wantErr string
	}{
		{"default is valid", func(*Calendar) {}, ""},
		{"off-slot span", func(c *Calendar) { c.Work[time.Monday] = HM(7, 40, 15, 0) }, "15-minute"},
		{"no working day", func(c *Calendar) { c.Work = Week{} }, "no weekday"},
		{"no zone", func(c *Calendar) { c.Zone = nil }, "zone"},
		{"ramadan backwards", func(c *Calendar) { c.Ramadan[0].To = D(2020, 4, 1) }, "ramadan[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := testCalendar()
			tc.mutate(c)
			err := c.Validate()
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("Validate() = %v, want error containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestZoneLabel(t *testing.T) {
	tests := []struct{ zone, want string }{
		{"Asia/Jakarta", "WIB"}, {"Asia/Pontianak", "WIB"}, {"Asia/Makassar", "WITA"}, {"Asia/Jayapura", "WIT"}, {"UTC", "UTC"},
	}
	for _, tc := range tests {
		t.Run(tc.zone, func(t *testing.T) {
			if got := Default(mustZone(tc.zone)).ZoneLabel(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestWeekJSONNeedsSevenDays(t *testing.T) {
	day := `{"start":450,"end":900}`
	for n := 5; n <= 8; n++ {
		days := make([]string, n)
		for i := range days {
			days[i] = day
		}
		var w Week
		err := json.Unmarshal([]byte("["+strings.Join(days, ",")+"]"), &w)
		if (err == nil) != (n == 7) {
			t.Errorf("%d days: err = %v, want an error unless 7", n, err)
		}
		if n == 7 && w[6] != HM(7, 30, 15, 0) {
			t.Errorf("7 days: Saturday = %+v", w[6])
		}
	}
	var holder struct {
		Work    Week  `json:"work"`
		Counter *Week `json:"counter"`
	}
	if err := json.Unmarshal([]byte(`{"work": null}`), &holder); err == nil {
		t.Error("work: null accepted as seven closed days")
	}
	if err := json.Unmarshal([]byte(`{"work": [`+strings.Repeat(day+",", 6)+day+`], "counter": null}`), &holder); err != nil || holder.Counter != nil {
		t.Errorf("counter: null = %v, %v; want nil (same as work)", holder.Counter, err)
	}
}

func TestLoadZoneHasOneBehaviourForABadName(t *testing.T) {
	loc, err := LoadZone("Asia/Makassar")
	if err != nil || loc.String() != "Asia/Makassar" {
		t.Fatalf("LoadZone(Asia/Makassar) = %v, %v", loc, err)
	}
	for _, bad := range []string{"", "Asia/Makasar", "WITA", "../etc/passwd"} {
		loc, err := LoadZone(bad)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("LoadZone(%q): error %v, want one naming the name", bad, err)
		}
		if loc == nil || ZoneLabel(loc, time.Now()) != "WIB" {
			t.Errorf("LoadZone(%q): location %v, want WIB", bad, loc)
		}
	}
}

func TestZoneLabelByTheOffsetAtTheInstant(t *testing.T) {
	at := time.Date(2020, 1, 8, 1, 0, 0, 0, time.UTC)
	tests := []struct{ zone, want string }{
		{"Asia/Jakarta", "WIB"}, {"Asia/Pontianak", "WIB"}, {"Asia/Makassar", "WITA"}, {"Asia/Jayapura", "WIT"},
		{"UTC", "UTC"}, {"Asia/Kolkata", "IST"},
	}
	for _, tc := range tests {
		if got := ZoneLabel(mustZone(tc.zone), at); got != tc.want {
			t.Errorf("ZoneLabel(%s) = %s, want %s", tc.zone, got, tc.want)
		}
	}
	// Before 1988 Makassar kept UTC+8 but Pontianak was UTC+8 too: WITA then.
	if got := ZoneLabel(mustZone("Asia/Pontianak"), time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)); got != "WITA" {
		t.Errorf("Pontianak in 1980: %s, want WITA (UTC+8 then)", got)
	}
	if got := ZoneLabel(nil, at); got != "UTC" {
		t.Errorf("nil location: %s, want UTC", got)
	}
}
