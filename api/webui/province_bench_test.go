package webui

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestBenchProvincePage (PANTAU_BENCH_REPORT=1, not in CI): South
// Sulawesi's page over its default 14 days through today, with 60 days of
// intake for its 24 offices and a 4-hour cut of each a week ago: built as
// before (every office's page), then from the stored figures before the
// refresher warmed them (cold) and after (warm), and warm with the
// exports' plans and open outages (export_warm; old was also what the
// exports cost), RUNS times each (default 5), the median. Prints report:
// province_page old_ms=… cold_ms=… warm_ms=… export_warm_ms=….
func TestBenchProvincePage(t *testing.T) {
	if os.Getenv("PANTAU_BENCH_REPORT") == "" {
		t.Skip("set PANTAU_BENCH_REPORT=1")
	}
	ctx := context.Background()
	s := pgtest.Store(t)
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	var sulsel []api.Office
	var pr api.Province
	for _, o := range offices {
		if o.ProvinceCode == "73" {
			sulsel = append(sulsel, o)
		}
	}
	for _, p := range provinces {
		if p.Code == "73" {
			pr = p
		}
	}
	if err := s.UpsertRegions(ctx, []api.Province{pr}, sulsel, nil); err != nil {
		t.Fatal(err)
	}
	loc := officeLocation(pr.TZ)
	now := time.Date(2020, 3, 1, 11, 0, 0, 0, loc)
	today := calendar.DateOf(now, loc)
	for _, o := range sulsel {
		cal := calendar.Default(loc)
		var rows []api.IntakeRow
		for d := today.AddDays(-59); !d.After(today); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) {
				rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 35}, api.IntakeRow{Date: d, Type: "AKTA-LAHIR", Received: 30})
			}
		}
		if err := s.UpsertIntake(ctx, o.Code, rows, 0, time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		cut := today.AddDays(-7).In(loc, 9*60)
		if _, err := s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
			VALUES ($1, 1, 1, $2, $3, 'down', 'recovery', 'central', 'central')`, o.Code, cut, cut.Add(4*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	runs := 5
	if v := os.Getenv("RUNS"); v != "" {
		fmt.Sscan(v, &runs)
	}
	p := New(s, nil, slog.New(slog.DiscardHandler), func() time.Time { return now })
	per := defaultPeriod(loc, now, reportdata.PageDefaultDays)
	median := func(build func() error) int64 {
		var ms []int64
		for range runs {
			start := time.Now()
			if err := build(); err != nil {
				t.Fatal(err)
			}
			ms = append(ms, time.Since(start).Milliseconds())
		}
		for i := range ms { // a few values: insertion sort
			for j := i; j > 0 && ms[j] < ms[j-1]; j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
		return ms[len(ms)/2]
	}
	old := median(func() error { _, err := p.buildProvinceDetail(ctx, "id", pr, per); return err })
	start := time.Now()
	if _, err := p.buildProvincePage(ctx, "id", pr, per, false); err != nil {
		t.Fatal(err)
	}
	cold := time.Since(start).Milliseconds()
	b := reportdata.New(s, p.now)
	if err := b.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	for more := true; more; {
		if more, err = b.Refresh(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	warm := median(func() error { _, err := p.buildProvincePage(ctx, "id", pr, per, false); return err })
	// The exports' figures (with each office's plan and open outage); old
	// built every office for them too.
	export := median(func() error { _, err := p.buildProvincePage(ctx, "id", pr, per, true); return err })
	fmt.Printf("report: province_page offices=%d old_ms=%d cold_ms=%d warm_ms=%d export_warm_ms=%d\n", len(sulsel), old, cold, warm, export)
}
