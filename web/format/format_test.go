package format

import (
	"math"
	"testing"
	"time"
)

func TestNumbers(t *testing.T) {
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"int grouped", Int(ID, 1839), "1.839"},
		{"int small", Int(ID, 999), "999"},
		{"int negative", Int(ID, -1500), "-1.500"},
		{"int english", Int(EN, 1234567), "1,234,567"},
		{"decimal comma", Number(ID, 1234.5, 1), "1.234,5"},
		{"decimal english", Number(EN, 1234.5, 1), "1,234.5"},
		{"rounded", Number(ID, 2.345678, 2), "2,35"},
		{"no places", Number(ID, 1500.4, 0), "1.500"},
		{"negative zero", Number(ID, -0.001, 1), "0,0"},
		{"negative grouped", Number(ID, -12345.25, 2), "-12.345,25"},
		{"NaN", Number(ID, math.NaN(), 1), "—"},
		{"percent id", Percent(ID, 0.6573, 2), "65,73 %"},
		{"percent en", Percent(EN, 0.6573, 2), "65.73%"},
		{"percent whole", Percent(ID, 1, 0), "100 %"},
		{"percent of a fraction", Percent(ID, 0.905, 1), "90,5 %"},
		{"rupiah", Rupiah(ID, 1404000), "Rp 1.404.000"},
		{"rupiah small", Rupiah(ID, 999), "Rp 999"},
		{"rupiah thousand", Rupiah(ID, 1000), "Rp 1.000"},
		{"rupiah zero", Rupiah(ID, 0), "Rp 0"},
		{"rupiah english", Rupiah(EN, 822000), "Rp 822,000"},
		{"rupiah negative", Rupiah(ID, -5000), "-Rp 5.000"},
		{"rupiah min int64", Rupiah(ID, math.MinInt64), "-Rp 9.223.372.036.854.775.808"},
		{"unknown language is Indonesian", Int("fr", 1500), "1.500"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestDates(t *testing.T) {
	wita, err := time.LoadLocation("Asia/Makassar")
	if err != nil {
		t.Fatal(err)
	}
	jakarta, err := time.LoadLocation("Asia/Jakarta")
	if err != nil {
		t.Fatal(err)
	}
	cut := time.Date(2020, 1, 8, 7, 30, 0, 0, wita)
	letter := time.Date(2026, 12, 7, 9, 5, 0, 0, wita)
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"date", Date(ID, cut), "8 Januari 2020"},
		{"date december", Date(ID, letter), "7 Desember 2026"},
		{"date english", Date(EN, cut), "8 January 2020"},
		{"date in another zone", Date(ID, time.Date(2020, 1, 8, 0, 30, 0, 0, wita).In(jakarta)), "7 Januari 2020"},
		{"civil day", Day(ID, 2020, time.May, 24), "24 Mei 2020"},
		{"long date", LongDate(ID, time.Date(2020, 1, 15, 0, 0, 0, 0, wita)), "Rabu, 15 Januari 2020"},
		{"long date english", LongDate(EN, time.Date(2020, 1, 15, 0, 0, 0, 0, wita)), "Wednesday, 15 January 2020"},
		{"clock", Clock(ID, cut), "07.30"},
		{"clock english", Clock(EN, cut), "07:30"},
		{"date time with zone", DateTime(ID, cut), "8 Januari 2020 07.30 WITA"},
		{"date time wib", DateTime(ID, cut.In(jakarta)), "8 Januari 2020 06.30 WIB"},
		{"utc keeps its name", DateTime(EN, cut.UTC()), "7 January 2020 23:30 UTC"},
		{"every month", Month(ID, time.August) + " " + Month(ID, time.February), "Agustus Februari"},
		{"every weekday", Weekday(ID, time.Friday) + " " + Weekday(ID, time.Sunday), "Jumat Minggu"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d      time.Duration
		id, en string
	}{
		{0, "0 mnt", "0 min"},
		{59 * time.Second, "0 mnt", "0 min"},
		{4 * time.Minute, "4 mnt", "4 min"},
		{2*time.Hour + 5*time.Minute, "2 jam 5 mnt", "2 h 5 min"},
		{2 * time.Hour, "2 jam", "2 h"},
		{24*time.Hour + 15*time.Minute, "1 hari 15 mnt", "1 d 15 min"},
		{13*24*time.Hour + 23*time.Hour + 56*time.Minute, "13 hari 23 jam 56 mnt", "13 d 23 h 56 min"},
		{-9 * time.Hour, "-9 jam", "-9 h"},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := Duration(ID, tc.d); got != tc.id {
				t.Errorf("Duration(id, %s) = %q, want %q", tc.d, got, tc.id)
			}
			if got := Duration(EN, tc.d); got != tc.en {
				t.Errorf("Duration(en, %s) = %q, want %q", tc.d, got, tc.en)
			}
		})
	}
}
