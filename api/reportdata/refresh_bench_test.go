package reportdata

import (
	"context"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestBenchRefresherCut (PANTAU_BENCH_REPORT=1, not in CI): what a
// national cut at 10,000 offices costs the refresher once every office has
// its default period stored (rows written directly, not built): a pass
// with nothing to do; the marks of two outages opened per office (in
// transactions of 100 offices, as detection writes them) and the passes
// that take them (offices with an open outage are held, not built); then
// one pass after the outages closed (32 offices rebuilt, one worker, as
// the service runs). Prints one line, report: cut ....
func TestBenchRefresherCut(t *testing.T) {
	if os.Getenv("PANTAU_BENCH_REPORT") == "" {
		t.Skip("set PANTAU_BENCH_REPORT=1")
	}
	ctx := context.Background()
	s := pgtest.Store(t)
	now := time.Date(2020, 3, 10, 4, 0, 0, 0, time.UTC)
	today := calendar.DateOf(now, time.UTC)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.Pool().Exec(ctx, q, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO provinces (code, name, tz) SELECT lpad(p::text, 2, '0'), 'P' || p, 'Asia/Jakarta' FROM generate_series(0, 99) p`)
	exec(`INSERT INTO offices (code, name, province_code, kind, tz)
		SELECT lpad(p::text, 2, '0') || '.' || lpad(o::text, 2, '0'), 'O', lpad(p::text, 2, '0'), 'kota', 'Asia/Jakarta'
		FROM generate_series(0, 99) p, generate_series(0, 99) o`)
	exec(`INSERT INTO report_periods (office_code, period_from, period_to, asked_from, built_at, settled, valid_on, totals)
		SELECT code, $1::date - 29, $1::date, $1::date - 29, $2, true, $1::date, '{}' FROM offices`, today.String(), now)
	b := New(s, func() time.Time { return now })
	b.workers = 1
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	var idle []time.Duration
	for range 7 {
		start := time.Now()
		if _, err := b.Refresh(ctx, 0); err != nil {
			t.Fatal(err)
		}
		idle = append(idle, time.Since(start))
	}
	slices.Sort(idle)
	start := time.Now()
	for p := range 100 {
		exec(`INSERT INTO outages (office_code, probe_id, target_id, started_at, kind, cause, target_kind)
			SELECT code, pr, 1, $2, 'down', 'central', 'central' FROM offices, generate_series(1, 2) pr
			WHERE province_code = $1`, fmt.Sprintf("%02d", p), now.Add(-time.Hour))
	}
	insert := time.Since(start)
	var marks int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM report_dirty`).Scan(&marks); err != nil {
		t.Fatal(err)
	}
	passes, start := 0, time.Now()
	for more := true; more; passes++ {
		var err error
		if more, err = b.Refresh(ctx, 0); err != nil {
			t.Fatal(err)
		}
	}
	held := time.Since(start)
	exec(`UPDATE outages SET ended_at = $1, ended_by = 'recovery'`, now.Add(-time.Minute))
	start = time.Now()
	if _, err := b.Refresh(ctx, 0); err != nil {
		t.Fatal(err)
	}
	rebuild := time.Since(start)
	fmt.Printf("report: cut offices=10000 idle_pass_ms=%.1f outage_rows=20000 insert_ms=%.0f marks=%d held_passes=%d held_ms=%.0f rebuild_pass_ms=%.0f (32 offices)\n",
		ms(idle[len(idle)/2]), ms(insert), marks, passes, ms(held), ms(rebuild))
}
