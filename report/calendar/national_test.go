package calendar

import (
	"strings"
	"testing"
	"time"
)

func TestNational(t *testing.T) {
	hs, err := National()
	if err != nil {
		t.Fatal(err)
	}
	type count struct{ libur, cuti int }
	got := map[int]count{}
	byDate := map[Date]Holiday{}
	for _, h := range hs {
		c := got[h.Date.Year]
		if h.Kind == PublicHoliday {
			c.libur++
		} else {
			c.cuti++
		}
		got[h.Date.Year] = c
		byDate[h.Date] = h
	}
	// Dates per year as the decrees list them (one line per date: 13 May
	// 2021 is both Kenaikan Isa Al Masih and Idul Fitri); 2027 has no
	// decree yet, so no collective leave.
	want := map[int]count{
		2019: {17, 4}, 2020: {17, 5}, 2021: {15, 1}, 2022: {16, 5}, 2023: {16, 11},
		2024: {19, 10}, 2025: {17, 11}, 2026: {17, 7}, 2027: {17, 0},
	}
	for y := 2019; y <= 2027; y++ {
		if got[y] != want[y] {
			t.Errorf("%d: %d holidays and %d days of collective leave, want %d and %d", y, got[y].libur, got[y].cuti, want[y].libur, want[y].cuti)
		}
	}
	for y := 2019; y <= 2027; y++ {
		for _, fixed := range []struct {
			m    time.Month
			d    int
			name string
		}{{time.January, 1, "Tahun Baru"}, {time.May, 1, "Hari Buruh"}, {time.June, 1, "Pancasila"},
			{time.August, 17, "Kemerdekaan"}, {time.December, 25, "Natal"}} {
			h, ok := byDate[D(y, fixed.m, fixed.d)]
			if !ok || h.Kind != PublicHoliday || !strings.Contains(h.Name, fixed.name) {
				t.Errorf("%d-%02d-%02d: %+v, want the public holiday %s", y, fixed.m, fixed.d, h, fixed.name)
			}
		}
	}
	known := []struct {
		date Date
		kind HolidayKind
		name string
	}{
		{D(2020, 5, 24), PublicHoliday, "Idul Fitri 1441 H"}, // 1 Syawal 1441 H
		{D(2020, 5, 25), PublicHoliday, "Idul Fitri 1441 H"},
		{D(2020, 1, 25), PublicHoliday, "Imlek 2571"},
		{D(2020, 12, 24), CollectiveLeave, "Natal"},
		{D(2019, 4, 17), PublicHoliday, "Pemilihan Umum 2019"},
		{D(2021, 5, 13), PublicHoliday, "Idul Fitri 1442 H"},
		{D(2024, 4, 10), PublicHoliday, "Idul Fitri 1445 H"},
		{D(2024, 3, 31), PublicHoliday, "Paskah"},
		{D(2025, 3, 31), PublicHoliday, "Idul Fitri 1446 H"},
	}
	for _, k := range known {
		h, ok := byDate[k.date]
		if !ok || h.Kind != k.kind || !strings.Contains(h.Name, k.name) {
			t.Errorf("%s: %+v, want %s %q", k.date, h, k.kind, k.name)
		}
	}
	// Collective leave is taken on working days: never on a weekend.
	for _, h := range hs {
		if wd := h.Date.Weekday(); h.Kind == CollectiveLeave && (wd == time.Saturday || wd == time.Sunday) {
			t.Errorf("%s: collective leave on a %s", h.Date, wd)
		}
	}
	// The Makassar fixture's dates agree with the shipped file.
	cal := Default(time.UTC)
	cal.AddHolidays(hs...)
	if cal.IsWorkingDay(D(2020, 12, 25)) || cal.IsWorkingDay(D(2020, 12, 24)) || !cal.IsWorkingDay(D(2020, 12, 23)) {
		t.Error("Christmas 2020 and its collective leave should close the office, the 23rd not")
	}
}
