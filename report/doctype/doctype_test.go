package doctype

import (
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

func TestDefaults(t *testing.T) {
	c := Defaults()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, code := range []string{KTPEL, KK, KIA, AktaLahir, AktaMati, AktaKawin, AktaCerai, SKPWNI, Suket, Legalisir} {
		if _, ok := c.Get(code); !ok {
			t.Errorf("default catalogue lacks %s", code)
		}
	}
	if kk, _ := c.Get(KK); kk.SLA != (SLA{Hours, 1}) || !kk.NeedsCentral {
		t.Errorf("KK = %+v, want the national 1 hour and central", kk)
	}
}

func TestWith(t *testing.T) {
	week := SLA{CalendarDays, 7}
	name, minutes, no := "Surat Keterangan Pindah", 25, false
	tests := []struct {
		name    string
		o       []Override
		code    string
		want    Type
		wantErr string
	}{
		{"sla only, rest kept", []Override{{Code: KK, SLA: &week}}, KK, Type{KK, "Kartu Keluarga", true, week, 20}, ""},
		{"every field", []Override{{Code: SKPWNI, Name: &name, NeedsCentral: &no, StaffMinutes: &minutes}}, SKPWNI,
			Type{SKPWNI, name, false, week, 25}, ""},
		{"new type needs every field", []Override{{Code: "X", Name: &name}}, "", Type{}, "staff_minutes"},
		{"bad sla", []Override{{Code: KK, SLA: &SLA{Hours, 0}}}, "", Type{}, "doctype KK: sla"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Defaults().With(tc.o...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := c.Get(tc.code); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if kk, _ := Defaults().Get(KK); kk.SLA.Kind != Hours {
		t.Error("With changed the defaults")
	}
}

func TestDeadline(t *testing.T) {
	wita, _ := time.LoadLocation("Asia/Makassar")
	cal := calendar.Default(wita)
	cal.AddHolidays(calendar.Holiday{Date: calendar.D(2020, 1, 1), Kind: calendar.PublicHoliday, Name: "Tahun Baru"})
	at := func(d, h, m int) time.Time { return time.Date(2020, 1, d, h, m, 0, 0, wita) }
	tests := []struct {
		name string
		sla  SLA
		in   time.Time
		want time.Time
	}{
		{"1 working hour", SLA{Hours, 1}, at(8, 14, 45), at(9, 8, 15)},
		{"7 calendar days: end of the 7th day's work", SLA{CalendarDays, 7}, at(8, 7, 30), at(15, 15, 0)},
		{"calendar day on a saturday moves to monday", SLA{CalendarDays, 2}, at(9, 10, 0), at(13, 15, 0)},
		{"calendar days onto a holiday move on", SLA{CalendarDays, 1}, time.Date(2019, 12, 31, 9, 0, 0, 0, wita), at(2, 15, 0)},
		{"3 working days skip the weekend", SLA{WorkingDays, 3}, at(9, 14, 0), at(14, 15, 0)},
		{"0 working days is the same day", SLA{WorkingDays, 0}, at(9, 14, 0), at(9, 15, 0)},
		{"0 working days on a closed day is the next working day", SLA{WorkingDays, 0}, at(11, 9, 0), at(13, 15, 0)},
		{"1 working day from a saturday is monday", SLA{WorkingDays, 1}, at(11, 9, 0), at(13, 15, 0)},
		{"working hours skip the holiday", SLA{Hours, 2}, time.Date(2019, 12, 31, 14, 0, 0, 0, wita), at(2, 8, 30)},
		{"working hours from after closing start next morning", SLA{Hours, 1}, at(8, 18, 0), at(9, 8, 30)},
		{"2 × 24 jam is a plain duration over the weekend", SLA{Periods24h, 2}, at(10, 14, 0), at(12, 14, 0)},
		{"1 × 24 jam over a holiday", SLA{Periods24h, 1}, time.Date(2019, 12, 31, 9, 5, 0, 0, wita), at(1, 9, 5)},
		{"calendar days end at the ramadan day's end", SLA{CalendarDays, 1}, at(20, 9, 0), at(21, 14, 30)},
	}
	cal.Ramadan = []calendar.Ramadan{{From: calendar.D(2020, 1, 20), To: calendar.D(2020, 1, 24), Work: calendar.RamadanWeek()}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sla.Deadline(cal, tc.in.UTC()); !got.Equal(tc.want) {
				t.Errorf("Deadline = %s, want %s", got.In(wita), tc.want)
			}
		})
	}
}

func TestRule(t *testing.T) {
	tests := []struct {
		sla      SLA
		lang     string
		contains []string
	}{
		{SLA{CalendarDays, 7}, "id", []string{"7 hari kalender", "hari ke-7", "hari kerja berikutnya"}},
		{SLA{CalendarDays, 7}, "en", []string{"7 calendar days", "day 7", "next working day"}},
		{SLA{WorkingDays, 3}, "id", []string{"3 hari kerja", "hari kerja ke-3"}},
		{SLA{Hours, 1}, "id", []string{"1 jam kerja", "hanya pada jam kerja"}},
		{SLA{Hours, 1}, "en", []string{"1 working hour:", "working hours only"}},
		{SLA{WorkingDays, 2}, "en", []string{"2 working days:", "working day 2"}},
		{SLA{Periods24h, 2}, "id", []string{"2 × 24 jam", "tepat 48 jam", "hari libur"}},
		{SLA{Periods24h, 2}, "en", []string{"2 × 24 hours", "exactly 48 hours"}},
	}
	for _, tc := range tests {
		t.Run(tc.sla.String()+" "+tc.lang, func(t *testing.T) {
			got := tc.sla.Rule(tc.lang)
			for _, c := range tc.contains {
				if !strings.Contains(got, c) {
					t.Errorf("Rule = %q, want it to say %q", got, c)
				}
			}
		})
	}
	if (SLA{Periods24h, 0}).Validate() == nil {
		t.Error("0 × 24 jam validated")
	}
	rules := Defaults().Rules("id")
	if len(rules) != 2 || !strings.HasPrefix(rules[0], "KTP-EL, KK, KIA, AKTA-LAHIR, AKTA-MATI — 1 jam kerja") ||
		!strings.HasPrefix(rules[1], "AKTA-KAWIN, AKTA-CERAI, SKPWNI, SUKET, LEGALISIR — 7 hari kalender") {
		t.Errorf("catalogue rules %q", rules)
	}
	if !strings.Contains(RuleNote("id"), "hari kerja berikutnya") || !strings.Contains(RuleNote("en"), "N × 24 hours is a plain duration") {
		t.Error("rule note does not state the rule")
	}
}
