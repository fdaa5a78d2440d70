package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/report/calendar"
)

func TestImportHolidaysReplacesWholeYears(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	load := func(text string) []calendar.Holiday {
		hs, err := calendar.LoadHolidays(strings.NewReader(text))
		if err != nil {
			t.Fatal(err)
		}
		return hs
	}
	first := load("2020-01-01,libur,Tahun Baru\n2020-01-25,libur,Imlek\n2021-01-01,libur,Tahun Baru\n")
	var calls []int
	years, err := s.ImportHolidays(ctx, first, func(done, total int) { calls = append(calls, done) })
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 2 || years[0] != 2020 || years[1] != 2021 || len(calls) != 2 {
		t.Fatalf("years %v, progress %v", years, calls)
	}
	// A corrected 2020 decree drops Imlek and adds collective leave; 2021 stays.
	if _, err := s.ImportHolidays(ctx, load("2020-01-01,libur,Tahun Baru\n2020-12-24,cuti,Cuti Bersama Natal\n"), nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Holidays(ctx, calendar.D(2020, 1, 1), calendar.D(2021, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	var days []string
	for _, h := range got {
		days = append(days, h.Date.String()+" "+string(h.Kind))
	}
	if want := "2020-01-01 libur,2020-12-24 cuti,2021-01-01 libur"; strings.Join(days, ",") != want {
		t.Fatalf("holidays %v, want %s", days, want)
	}
}
