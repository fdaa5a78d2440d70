package reportdata_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestBenchReportMonth (PANTAU_BENCH_REPORT=1, not in CI): all 514
// offices with BENCH_DAYS (default 31, at most 366) of intake from 1
// January 2020 (35 KK, 30 Akta Kelahiran, 15 Surat Keterangan a working
// day), a 4-hour national cut every 30 days and an 8-day cut for one
// office in ten; the report of the whole span for South Sulawesi and for
// the country, RUNS times each (default 5), store reads and availability
// included. The figures are stored (migrations/00022): the refresher takes
// the marks the data load left, one read of each area builds and stores
// its offices' periods (its time printed as cold_ms), then the timed runs
// sum stored figures. Last line: report: province_p95_ms=<n> national_p95_ms=<n>.
func TestBenchReportMonth(t *testing.T) {
	if os.Getenv("PANTAU_BENCH_REPORT") == "" {
		t.Skip("set PANTAU_BENCH_REPORT=1")
	}
	ctx := context.Background()
	s := pgtest.Store(t)
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpsertRegions(ctx, provinces, offices, nil); err != nil {
		t.Fatal(err)
	}
	days := 31
	if v := os.Getenv("BENCH_DAYS"); v != "" {
		fmt.Sscan(v, &days)
	}
	from := calendar.D(2020, 1, 1)
	to := from.AddDays(days - 1)
	for i, o := range offices {
		loc, _ := time.LoadLocation(o.TZ)
		cal := calendar.Default(loc)
		var rows []api.IntakeRow
		for d := from; !d.After(to); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) {
				rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 35},
					api.IntakeRow{Date: d, Type: "AKTA-LAHIR", Received: 30}, api.IntakeRow{Date: d, Type: "SUKET", Received: 15})
			}
		}
		if err := s.UpsertIntake(ctx, o.Code, rows, 0, time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		var cuts [][2]time.Time
		for d := 19; d < days; d += 30 {
			cuts = append(cuts, [2]time.Time{time.Date(2020, 1, 1+d, 9, 0, 0, 0, loc), time.Date(2020, 1, 1+d, 13, 0, 0, 0, loc)})
		}
		if i%10 == 0 {
			cuts = append(cuts, [2]time.Time{time.Date(2020, 1, 8, 7, 30, 0, 0, loc), time.Date(2020, 1, 16, 9, 0, 0, 0, loc)})
		}
		for _, c := range cuts {
			_, err := s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
				VALUES ($1, 1, 1, $2, $3, 'down', 'recovery', 'central', 'central')`, o.Code, c[0], c[1])
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	runs := 5
	if v := os.Getenv("RUNS"); v != "" {
		fmt.Sscan(v, &runs)
	}
	b := reportdata.New(s, func() time.Time { return to.AddDays(1).In(time.UTC, 0) })
	p := reportdata.Period{From: from, To: to}
	var sulsel []api.Office
	for _, o := range offices {
		if o.ProvinceCode == "73" {
			sulsel = append(sulsel, o)
		}
	}
	for {
		more, err := b.Refresh(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			break
		}
	}
	cold := func(name string, offs []api.Office) int64 {
		start := time.Now()
		if _, err := b.Area(ctx, name, name, offs, p); err != nil {
			t.Fatal(err)
		}
		return time.Since(start).Milliseconds()
	}
	coldProv, coldNat := cold("73", sulsel), cold("ID", offices)
	fmt.Printf("report: cold province_ms=%d national_ms=%d (first read: every office built and stored)\n", coldProv, coldNat)
	// The API's default period, running through today (30 days, from
	// moved back over an open outage): the first read of a day nobody
	// warmed (cold: every office built, and stored); then the next day,
	// after the refresher warmed the defaults (Builder.Warm), the first
	// read (warm) and RUNS more.
	todayNow := to.In(time.UTC, 0).Add(4 * time.Hour) // 11:00 WIB, 13:00 WIT: the last day everywhere
	bt := reportdata.New(s, func() time.Time { return todayNow })
	read := func(name string, offs []api.Office) (int64, int) {
		today := calendar.DateOf(todayNow, time.UTC)
		pt := reportdata.Period{From: today.AddDays(-29), To: today, Extend: true}
		start := time.Now()
		r, err := bt.Area(ctx, name, name, offs, pt)
		if err != nil {
			t.Fatal(err)
		}
		return time.Since(start).Milliseconds(), r.Stored
	}
	tp, tpStored := read("73", sulsel)
	tn, tnStored := read("ID", offices)
	fmt.Printf("report: today cold province_ms=%d (%d stored) national_ms=%d (%d stored)\n", tp, tpStored, tn, tnStored)
	todayNow = todayNow.Add(24 * time.Hour)
	start := time.Now()
	todayWarm(t, ctx, bt)
	warmMS := time.Since(start).Milliseconds()
	tp, tpStored = read("73", sulsel)
	tn, tnStored = read("ID", offices)
	fmt.Printf("report: today warm province_ms=%d (%d stored) national_ms=%d (%d stored) refresher_ms=%d\n", tp, tpStored, tn, tnStored, warmMS)
	var tms []int64
	for range runs {
		ms, _ := read("ID", offices)
		tms = append(tms, ms)
	}
	slices.Sort(tms)
	fmt.Printf("report: today national_p95_ms=%d\n", tms[(len(tms)*95+99)/100-1])

	p95 := func(name string, offs []api.Office) int64 {
		var ms []int64
		for range runs {
			start := time.Now()
			r, err := b.Area(ctx, name, name, offs, p)
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, time.Since(start).Milliseconds())
			if r.Report.Offices != len(offs) || r.Stored != len(offs) {
				t.Fatalf("%s: %d offices, %d of them stored", name, r.Report.Offices, r.Stored)
			}
		}
		slices.Sort(ms)
		return ms[(len(ms)*95+99)/100-1]
	}
	prov, nat := p95("73", sulsel), p95("ID", offices)
	benchCut(t, ctx, s, bt, &todayNow, read, sulsel, offices, runs)
	fmt.Printf("report: province_p95_ms=%d national_p95_ms=%d\n", prov, nat)
}

// benchCut: a national cut through today, an outage opened for every
// office an hour before *now and still open, the API's 30 days (through
// today) read during it: the first national read (before the refresher
// took the cut's marks), the refresher's passes over the marks, the
// first read after them, then RUNS reads of the nation and of South
// Sulawesi (p95); then the refresher's passes in the quarter hour's last
// minutes (building the next one's periods ahead, where it does), the
// clock moves to the next quarter hour (the outage is assumed to end 15
// minutes later): the first national read and RUNS more. Prints report:
// cut ....
func benchCut(t *testing.T, ctx context.Context, s *postgres.Store, b *reportdata.Builder, now *time.Time,
	read func(string, []api.Office) (int64, int), sulsel, offices []api.Office, runs int) {
	t.Helper()
	if _, err := s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, kind, cause, target_kind)
		SELECT code, 1, 1, $1, 'down', 'central', 'central' FROM offices`, now.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	first, _ := read("ID", offices)
	start := time.Now()
	for more := true; more; {
		var err error
		if more, err = b.Refresh(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	marks := time.Since(start).Milliseconds()
	after, _ := read("ID", offices)
	p95 := func(name string, offs []api.Office) (int64, int) {
		var ms []int64
		stored := 0
		for range runs {
			m, n := read(name, offs)
			ms = append(ms, m)
			stored = n
		}
		slices.Sort(ms)
		return ms[(len(ms)*95+99)/100-1], stored
	}
	nat, natStored := p95("ID", offices)
	prov, provStored := p95("73", sulsel)
	// The refresher in the last minutes of the quarter hour (it builds
	// the next one's periods read lately, where it can), then the clock
	// moves on.
	start = time.Now()
	for more := true; more; {
		var err error
		if more, err = b.Refresh(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	ahead := time.Since(start).Milliseconds()
	*now = now.Add(15 * time.Minute)
	next, nextStored := read("ID", offices)
	nextNat, _ := p95("ID", offices)
	fmt.Printf("report: cut national_p95_ms=%d (%d stored) province_p95_ms=%d (%d stored) first_national_ms=%d refresher_marks_ms=%d after_marks_national_ms=%d refresher_ahead_ms=%d next_quarter_first_ms=%d (%d stored) next_quarter_national_p95_ms=%d\n",
		nat, natStored, prov, provStored, first, marks, after, ahead, next, nextStored, nextNat)
}

// todayWarm lets the refresher catch up at the through-today clock (the
// periods it warms, and those the first reads asked for).
func todayWarm(t *testing.T, ctx context.Context, b *reportdata.Builder) {
	t.Helper()
	if err := b.Warm(ctx); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		more, err := b.Refresh(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !more {
			return
		}
	}
	t.Fatal("refresher never caught up")
}
