package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestSeedHolidaysOnce: the shipped national list goes in on a first
// start; a second start loads nothing; a year imported from a corrected
// decree is never overwritten by the shipped one.
func TestSeedHolidaysOnce(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	shipped, err := calendar.National()
	if err != nil {
		t.Fatal(err)
	}
	corrected := []calendar.Holiday{{Date: calendar.D(2027, 1, 1), Kind: calendar.PublicHoliday, Name: "Tahun Baru 2027 Masehi"}}
	if _, err := s.ImportHolidays(ctx, corrected, nil); err != nil {
		t.Fatal(err)
	}
	years, err := s.SeedHolidays(ctx, shipped)
	if err != nil {
		t.Fatal(err)
	}
	if len(years) != 8 || years[0] != 2019 || years[7] != 2026 {
		t.Fatalf("first start loaded %v, want 2019-2026 (2027 was imported)", years)
	}
	if again, err := s.SeedHolidays(ctx, shipped); err != nil || len(again) != 0 {
		t.Fatalf("second start loaded %v, %v", again, err)
	}
	hs, err := s.Holidays(ctx, calendar.D(2019, 1, 1), calendar.D(2027, 12, 31))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != len(shipped)-17+1 {
		t.Fatalf("%d holidays stored, want the shipped %d less 2027's 17, plus the imported one", len(hs), len(shipped))
	}
}

func TestOfficeClosures(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	err := s.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	day := calendar.D(2020, 1, 9)
	if err := s.SetOfficeClosure(ctx, "73.71", calendar.Holiday{Date: day, Kind: calendar.RegionalHoliday, Name: "Hari Jadi Kota Makassar"}); err != nil {
		t.Fatal(err)
	}
	// Setting the same day again replaces it.
	if err := s.SetOfficeClosure(ctx, "73.71", calendar.Holiday{Date: day, Kind: calendar.OfficeClosure, Name: "Pindah gedung"}); err != nil {
		t.Fatal(err)
	}
	got, err := s.OfficeClosures(ctx, "73.71", day, day)
	if err != nil || len(got) != 1 || got[0].Kind != calendar.OfficeClosure || got[0].Name != "Pindah gedung" {
		t.Fatalf("closures %+v, %v", got, err)
	}
	var apiErr *api.Error
	bad := []calendar.Holiday{{Date: day, Kind: calendar.PublicHoliday, Name: "x"}, {Date: day, Kind: calendar.OfficeClosure}, {Kind: calendar.OfficeClosure, Name: "x"}}
	for _, h := range bad {
		if err := s.SetOfficeClosure(ctx, "73.71", h); !errors.As(err, &apiErr) || apiErr.Code != api.EInvalid {
			t.Errorf("%+v: %v, want an invalid-field error", h, err)
		}
	}
	if err := s.SetOfficeClosure(ctx, "99.99", calendar.Holiday{Date: day, Kind: calendar.OfficeClosure, Name: "x"}); err == nil {
		t.Error("closure for an office that does not exist was stored")
	}
	if err := s.DeleteOfficeClosure(ctx, "73.71", day); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteOfficeClosure(ctx, "73.71", day); !errors.As(err, &apiErr) || apiErr.Code != api.ENotFound {
		t.Errorf("second delete: %v, want not found", err)
	}
}
