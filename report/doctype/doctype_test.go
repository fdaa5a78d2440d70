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
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.sla.Deadline(cal, tc.in.UTC()); !got.Equal(tc.want) {
				t.Errorf("Deadline = %s, want %s", got.In(wita), tc.want)
			}
		})
	}
}
