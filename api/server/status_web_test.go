package server_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestPublicStatusHistory reads an office's public status page without a
// login: 90 day bars in the office's zone, a down day with its share of
// the day, a checked day at 100 %, nothing of another office's outage,
// and a page that refreshes itself.
func TestPublicStatusHistory(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	ctx := context.Background()
	wita := time.FixedZone("WITA", 8*3600)
	// 73.71: down 10.00–16.00 WITA on 20 November (6 of 24 hours).
	addOutage(t, f, "73.71", time.Date(2026, 11, 20, 10, 0, 0, 0, wita), time.Date(2026, 11, 20, 16, 0, 0, 0, wita))
	// 73.72: down all of 25 November; must not show on 73.71's page.
	addOutage(t, f, "73.72", time.Date(2026, 11, 25, 0, 0, 0, 0, wita), time.Date(2026, 11, 26, 0, 0, 0, 0, wita))
	// 73.71 checked on 21 November (an hourly rollup) without an outage.
	if _, err := f.store.Pool().Exec(ctx, `INSERT INTO result_rollups (office_code, probe_id, target_id, hour, checks, failures)
		SELECT '73.71', 1, id, $1, 60, 0 FROM targets WHERE office_code = '73.71' AND kind = 'central'`,
		time.Date(2026, 11, 21, 9, 0, 0, 0, wita)); err != nil {
		t.Fatal(err)
	}
	resp, page := f.do(t, "", http.MethodGet, "/status/73.71", nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status page: %d", resp.StatusCode)
	}
	if n := strings.Count(page, `<li class="bar `); n != 90 {
		t.Errorf("%d history bars, want 90", n)
	}
	// The fixture's clock is 1 December 16.00 WITA: the bars run from
	// 3 September to today.
	first, last := strings.Index(page, `title="3 September 2026: `), strings.Index(page, `title="1 Desember 2026: `)
	if first < 0 || last < first || strings.Contains(page, `title="2 September 2026`) {
		t.Errorf("history does not run from 3 September to 1 Desember 2026")
	}
	for _, want := range []string{
		`<li class="bar down" title="20 November 2026: tersedia 75,0 %">`,
		`<li class="bar up" title="21 November 2026: tersedia 100,0 %">`,
		`<li class="bar nodata" title="25 November 2026: tidak ada data">`,
		`<meta http-equiv="refresh" content="60">`,
		`Diperbarui 1 Desember 2026 16.00 WITA`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// One zone on the page: the footer too is in the office's.
	if strings.Contains(page, " WIB") {
		t.Errorf("a WITA office's status page shows a WIB time")
	}
	if n := strings.Count(page, `class="bar down"`); n != 1 {
		t.Errorf("%d down days, want 1 (another office's outage leaked?)", n)
	}
	// Parepare's own page shows its day as down, all of it.
	_, other := f.do(t, "", http.MethodGet, "/status/73.72", nil, false)
	if !strings.Contains(other, `<li class="bar down" title="25 November 2026: tersedia 0,0 %">`) {
		t.Errorf("73.72's page lacks its own down day")
	}
}

// TestPublicStatusPromise: while a central outage is open the public page
// says when files received today can be done and under which assumption;
// without one (or for another office) it says nothing of the kind.
func TestPublicStatusPromise(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	ctx := context.Background()
	wita := time.FixedZone("WITA", 8*3600)
	five := 5
	for _, office := range []string{"73.71", "73.72"} {
		var rows []api.IntakeRow
		for d := 16; d <= 30; d++ {
			if wd := time.Date(2026, 11, d, 0, 0, 0, 0, time.UTC).Weekday(); wd == time.Saturday || wd == time.Sunday {
				continue
			}
			rows = append(rows, api.IntakeRow{Date: calendar.Date{Year: 2026, Month: 11, Day: d}, Type: "KK", Received: 5, Completed: &five})
		}
		rows = append(rows, api.IntakeRow{Date: calendar.Date{Year: 2026, Month: 12, Day: 1}, Type: "KK", Received: 12})
		if err := f.store.UpsertIntake(ctx, office, rows, f.sessions["staff71"].user.ID, f.now, nil); err != nil {
			t.Fatal(err)
		}
	}
	_, before := f.do(t, "", http.MethodGet, "/status/73.72", nil, false)
	if strings.Contains(before, `id="public-todaydone"`) {
		t.Errorf("promise line without an open outage")
	}
	addOutage(t, f, "73.72", time.Date(2026, 12, 1, 10, 0, 0, 0, wita), time.Time{})
	_, page := f.do(t, "", http.MethodGet, "/status/73.72", nil, false)
	i := strings.Index(page, `id="public-todaydone"`)
	if i < 0 {
		t.Fatalf("no promise line during an open central outage: %.3000s", page)
	}
	line := page[i:]
	line = line[:strings.Index(line, "</p>")]
	if !strings.Contains(line, "Berkas yang masuk hari ini dapat selesai paling lambat <b>") || !strings.Contains(line, "WITA</b>, dengan asumsi koneksi kembali ") {
		t.Errorf("promise line %q", line)
	}
	if _, other := f.do(t, "", http.MethodGet, "/status/73.71", nil, false); strings.Contains(other, `id="public-todaydone"`) {
		t.Errorf("73.72's outage gives 73.71 a promise line")
	}
}
