package reportdata_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// TestAvailabilityIsTheOfficeTimelines: the report's availability, read
// for all offices at once, is sla.Compute over Store.OfficeTimeline.
func TestAvailabilityIsTheOfficeTimelines(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Store(t)
	err := s.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}, []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wita, _ := time.LoadLocation("Asia/Makassar")
	at := func(d, h int) time.Time { return time.Date(2020, 1, d, h, 0, 0, 0, wita) }
	for _, code := range []string{"73.71", "73.72"} {
		p, _, err := s.CreateProbe(ctx, code, "p1")
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"siak-a", "siak-b"} {
			tg, err := s.CreateTarget(ctx, api.Target{OfficeCode: code, Spec: probe.Target{Name: name, Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"}})
			if err != nil {
				t.Fatal(err)
			}
			// Measured from the 2nd; target a is down 8-16 January, b is
			// silent on the 20th.
			_, err = s.Pool().Exec(ctx, `INSERT INTO series_state (office_code, probe_id, target_id, first_at, last_at, last_seq, down, run, silent_at, silent, evaluated_at)
				VALUES ($1, $2, $3, $4, $5, 1, false, 0, $5, false, $5)`, code, p.ID, tg.ID, at(2, 8), at(31, 8))
			if err != nil {
				t.Fatal(err)
			}
			span := [3]any{"down", at(8, 7), at(16, 9)}
			if i == 1 {
				span = [3]any{"unknown", at(20, 10), at(20, 14)}
			}
			_, err = s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
				VALUES ($1, $2, $3, $4, $5, $6, 'data', CASE WHEN $6 = 'down' THEN 'central' ELSE 'unknown' END, 'central')`,
				code, p.ID, tg.ID, span[1], span[2], span[0])
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.CreateMaintenance(ctx, api.MaintenanceWindow{Scope: api.ScopeOffice, OfficeCode: "73.71",
		StartsAt: at(22, 8), EndsAt: at(22, 12), Reason: "migrasi"}); err != nil {
		t.Fatal(err)
	}
	now := at(25, 12)
	b := reportdata.New(s, func() time.Time { return now })
	offices, err := s.ModelReader().Offices(ctx, []string{"73.71", "73.72"})
	if err != nil {
		t.Fatal(err)
	}
	area, err := b.Area(ctx, "73", "Sulawesi Selatan", offices, reportdata.Period{From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 31)})
	if err != nil {
		t.Fatal(err)
	}
	for i, o := range offices {
		start := calendar.D(2020, 1, 1).In(wita, 0)
		tl, err := s.OfficeTimeline(ctx, o.Code, start, now, now)
		if err != nil {
			t.Fatal(err)
		}
		var spans []sla.Span
		for _, iv := range tl {
			spans = append(spans, sla.Span{Start: iv.From, End: iv.To, State: sla.State(iv.State)})
		}
		want, err := sla.Compute(spans, start, now, calendar.Default(wita))
		if err != nil {
			t.Fatal(err)
		}
		got := area.Offices[i].Availability
		if got == nil || !reflect.DeepEqual(*got, want) {
			t.Fatalf("%s: availability %+v, want %+v", o.Code, got, want)
		}
		if got.Outages != 1 || got.All.Unknown == 0 || (o.Code == "73.71") != (got.All.Maintenance > 0) {
			t.Fatalf("%s: %+v", o.Code, got)
		}
	}
	if sum := area.Availability; sum.Outages != 2 || sum.All.Down != 2*area.Offices[0].Availability.All.Down {
		t.Fatalf("province availability %+v", sum)
	}
}
