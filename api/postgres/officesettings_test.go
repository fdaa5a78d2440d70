package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// mustModelOffices gives a fresh store with Kota Makassar and Kota Parepare.
func mustModelOffices(t *testing.T) *postgres.Store {
	t.Helper()
	s := pgtest.Store(t)
	err := s.UpsertRegions(context.Background(), []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{
			{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
			{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOfficeSettingsDefaultThenRecorded(t *testing.T) {
	t.Parallel()
	s := mustModelOffices(t)
	ctx := context.Background()
	got, err := s.OfficeSettings(ctx, "73.71")
	if err != nil {
		t.Fatal(err)
	}
	if got.Recorded || got.Staff != 4 || got.Work != calendar.CivilServiceWeek() {
		t.Fatalf("defaults: %+v", got)
	}
	counter := calendar.CivilServiceWeek()
	counter[time.Saturday] = calendar.HM(8, 0, 12, 0)
	want := api.OfficeSettings{OfficeCode: "73.71", Staff: 6, OvertimeCap: 3, OvertimeHourly: 25000, MealAllowance: 40000,
		Work: calendar.CivilServiceWeek(), Counter: &counter,
		Ramadan: []calendar.Ramadan{{From: calendar.D(2020, 4, 24), To: calendar.D(2020, 5, 23), Work: calendar.RamadanWeek()}}}
	if err := s.PutOfficeSettings(ctx, want, 0, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err = s.OfficeSettings(ctx, "73.71")
	if err != nil {
		t.Fatal(err)
	}
	if !got.Recorded || got.Staff != 6 || got.OvertimeCap != 3 || got.OvertimeHourly != 25000 || got.MealAllowance != 40000 ||
		got.Counter == nil || *got.Counter != counter || len(got.Ramadan) != 1 || got.Ramadan[0].From != want.Ramadan[0].From ||
		got.Ramadan[0].To != want.Ramadan[0].To || got.Ramadan[0].Work != calendar.RamadanWeek() {
		t.Fatalf("recorded: %+v", got)
	}
	other, err := s.OfficeSettings(ctx, "73.72")
	if err != nil || other.Recorded {
		t.Fatalf("another office's settings changed: %+v %v", other, err)
	}
}

func TestOfficeSettingsRefusesBadFields(t *testing.T) {
	t.Parallel()
	s := mustModelOffices(t)
	ctx := context.Background()
	base := api.DefaultOfficeSettings("73.71")
	tests := []struct {
		name  string
		edit  func(*api.OfficeSettings)
		field string
	}{
		{"no staff", func(o *api.OfficeSettings) { o.Staff = 0 }, "staff"},
		{"cap over 16", func(o *api.OfficeSettings) { o.OvertimeCap = 17 }, "overtime_cap"},
		{"negative rate", func(o *api.OfficeSettings) { o.OvertimeHourly = -1 }, "overtime_hourly"},
		{"hours off the slot", func(o *api.OfficeSettings) { o.Work[time.Monday] = calendar.HM(7, 10, 15, 0) }, "work_hours"},
		{"overlapping ramadan", func(o *api.OfficeSettings) {
			o.Ramadan = []calendar.Ramadan{{From: calendar.D(2020, 4, 24), To: calendar.D(2020, 5, 1), Work: calendar.RamadanWeek()},
				{From: calendar.D(2020, 5, 1), To: calendar.D(2020, 5, 23), Work: calendar.RamadanWeek()}}
		}, "ramadan[1]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := base
			o.Ramadan = nil
			tc.edit(&o)
			err := s.PutOfficeSettings(ctx, o, 0, time.Now())
			if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
				t.Fatalf("err %v (field %q), want invalid %s", err, api.ErrorField(err), tc.field)
			}
		})
	}
	if got, _ := s.OfficeSettings(ctx, "73.71"); got.Recorded {
		t.Fatal("a refused write recorded settings")
	}
}

func TestDocTypeOverridesMergeAndReplace(t *testing.T) {
	t.Parallel()
	s := mustModelOffices(t)
	ctx := context.Background()
	week := doctype.SLA{Kind: doctype.WorkingDays, N: 5}
	minutes, name, offline := 12, "Surat Keterangan Domisili", false
	ovs := []doctype.Override{
		{Code: doctype.KK, SLA: &week, StaffMinutes: &minutes},
		{Code: "SKD", Name: &name, NeedsCentral: &offline, SLA: &week, StaffMinutes: &minutes},
	}
	if err := s.PutDocTypeOverrides(ctx, "73.71", ovs); err != nil {
		t.Fatal(err)
	}
	cat, err := s.ModelReader().Catalogue(ctx, "73.71")
	if err != nil {
		t.Fatal(err)
	}
	kk, _ := cat.Get(doctype.KK)
	skd, ok := cat.Get("SKD")
	if kk.SLA != week || kk.StaffMinutes != 12 || kk.Name != "Kartu Keluarga" || !kk.NeedsCentral || !ok || skd.NeedsCentral || skd.Name != name {
		t.Fatalf("merged: KK %+v, SKD %+v", kk, skd)
	}
	// A new type missing a field is refused and the old overrides stay.
	bad := []doctype.Override{{Code: "BARU", Name: &name}}
	if err := s.PutDocTypeOverrides(ctx, "73.71", bad); api.ErrorCode(err) != api.EInvalid {
		t.Fatalf("incomplete new type: %v", err)
	}
	if got, _ := s.DocTypeOverrides(ctx, "73.71"); len(got) != 2 {
		t.Fatalf("overrides after a refused write: %+v", got)
	}
	if err := s.PutDocTypeOverrides(ctx, "73.71", nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DocTypeOverrides(ctx, "73.71"); len(got) != 0 {
		t.Fatalf("overrides after clearing: %+v", got)
	}
}
