package report

import (
	"os"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
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

// at is an instant given in WITA.
func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, wita).UTC()
}

// makassar is the seed office: Kota Makassar, WITA, the civil-service week
// with the 2020 holidays, the one-week promise for the three document
// types the article names, 4 processing staff and a cap of 4 hours a day.
func makassar(t testing.TB) Office {
	t.Helper()
	f, err := os.Open("testdata/holidays-2020.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hs, err := calendar.LoadHolidays(f)
	if err != nil {
		t.Fatal(err)
	}
	cal := calendar.Default(wita)
	cal.AddHolidays(hs...)
	week := &doctype.SLA{Kind: doctype.CalendarDays, N: 7}
	types, err := doctype.Defaults().With(
		doctype.Override{Code: doctype.KK, SLA: week},
		doctype.Override{Code: doctype.AktaLahir, SLA: week},
		doctype.Override{Code: doctype.Suket, SLA: week},
	)
	if err != nil {
		t.Fatal(err)
	}
	return Office{
		Code: "73.71", Name: "Kota Makassar", Calendar: cal, Types: types,
		Staff: 4, OvertimeCap: 4,
		// Illustrative rates of the 2023 standard cost table for civil
		// servants of grade III: Rp 20,000 an hour, meal Rp 37,000.
		Rates: Rates{Hourly: 20000, Meal: 37000},
	}
}

// makassarIntake is about 80 files each working day from 2 January to the
// end of February (February a projection): Kartu Keluarga, Akta Kelahiran
// and Surat Keterangan, the types the article names.
func makassarIntake(o Office) []backlog.Intake {
	var in []backlog.Intake
	for d := calendar.D(2020, 1, 1); d.Before(calendar.D(2020, 3, 1)); d = d.AddDays(1) {
		if !o.Calendar.IsWorkingDay(d) {
			continue
		}
		in = append(in,
			backlog.Intake{Date: d, Type: doctype.KK, Count: 35},
			backlog.Intake{Date: d, Type: doctype.AktaLahir, Count: 30},
			backlog.Intake{Date: d, Type: doctype.Suket, Count: 15},
		)
	}
	return in
}

// makassarInput is January 2020 with the central cut from Wednesday 8
// January 07:30 WITA to Thursday 16 January 09:00 WITA.
func makassarInput(t testing.TB) Input {
	o := makassar(t)
	return Input{
		Office: o, From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 31),
		Intake:  makassarIntake(o),
		Outages: []Outage{{Start: at(2020, 1, 8, 7, 30), End: at(2020, 1, 16, 9, 0)}},
		Now:     at(2020, 2, 1, 8, 0),
	}
}

// makassarWhatIf is the office's view on Thursday 9 January: the cut still
// open, assumed back on Saturday 11 January 07:00 WITA (the three days the
// office expected).
func makassarWhatIf(t testing.TB) Input {
	in := makassarInput(t)
	in.Outages = []Outage{{Start: at(2020, 1, 8, 7, 30)}}
	in.AssumeEnd = at(2020, 1, 11, 7, 0)
	in.PlanFrom = calendar.D(2020, 1, 9)
	in.Now = at(2020, 1, 9, 10, 0)
	return in
}
