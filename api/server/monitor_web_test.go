package server_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// TestOfficePageShowsResponseTimesAndHeartbeats: Makassar's probe checks
// both targets every 5 minutes for 30 hours, central answering in 100+h ms
// in the h-th hour and failing every tenth check; the page charts p50/p95
// per hour from the rollups in WITA, with presets that work as plain links,
// and the last 50 checks as bars with their sentence.
func TestOfficePageShowsResponseTimesAndHeartbeats(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	ctx := context.Background()
	p, _, err := f.store.CreateProbe(ctx, "73.71", "utama")
	if err != nil {
		t.Fatal(err)
	}
	targets, err := f.store.Targets(ctx, "73.71")
	if err != nil {
		t.Fatal(err)
	}
	var items []api.IngestItem
	seq := uint64(0)
	start := f.now.Add(-30 * time.Hour)
	n := 0
	for at := start; at.Before(f.now); at = at.Add(5 * time.Minute) {
		n++
		for _, tg := range targets {
			seq++
			r := probe.Result{Seq: seq, Target: tg.Spec.Name, ObservedAt: at, OK: true, LatencyMS: 100 + float64(int(at.Sub(start).Hours()))}
			if tg.Spec.Kind == probe.KindCentral && n%10 == 0 {
				r.OK, r.Failure = false, probe.FailTimeout
			}
			items = append(items, api.IngestItem{TargetID: tg.ID, Result: r})
		}
	}
	// The newest check of the internet reference is slow: 1.234,4 ms.
	items[len(items)-1].Result.LatencyMS = 1234.4
	if _, err := f.store.IngestResults(ctx, p, probe.AgentInfo{}, items); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.RefreshRollups(ctx, f.now, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var central api.Target
	for _, tg := range targets {
		if tg.Spec.Kind == probe.KindCentral {
			central = tg
		}
	}
	resp, body := f.do(t, "staff71", "GET", "/offices/73.71", nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("office page: %d", resp.StatusCode)
	}
	chartID := "chart_latency_" + strconv.FormatInt(central.ID, 10)
	for _, want := range []string{
		`id="targets"`, `id="` + chartID + `"`, "Waktu respons dan pemeriksaan terakhir",
		`href="?rt=24h#targets"`, `href="?rt=7d#targets"`, `href="?rt=30d#targets"`, `aria-current="page">24 jam`,
		// The last 50 central checks: 5 failed, the newest among them.
		"45 dari 50 pemeriksaan terakhir berhasil; terakhir 1 Desember 2026 15.55 WITA: gagal (timeout).",
		// The internet reference's last check, in Indonesian grouping.
		"50 dari 50 pemeriksaan terakhir berhasil; terakhir 1 Desember 2026 15.55 WITA: berhasil, 1.234 ms.",
		// Labels in WITA: the 24 hours up to 16.00 WITA (08.00 UTC) start at 16.00 the day before.
		`"16.00"`, `"15.00"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("office page lacks %q", want)
		}
	}
	if got := strings.Count(body, `class="beat `); got != 100 {
		t.Errorf("%d heartbeat bars, want 50 per target", got)
	}
	// p50 of the hour 24 hours ago (hour 6 of the data: 106 ms) is in the chart.
	script := body[strings.Index(body, `id="`+chartID+`"`):]
	if !regexp.MustCompile(`"name":"p50".*?"data":\[\{"value":106\}`).MatchString(script) {
		t.Errorf("the p50 series does not start at 106 ms: %.600s", script)
	}
	// Presets keep the page's other parameters and work without scripts.
	_, body = f.do(t, "staff71", "GET", "/offices/73.71?from=2026-11-20&to=2026-12-01&rt=30d", nil, false)
	if !strings.Contains(body, `aria-current="page">30 hari`) || !strings.Contains(body, `href="?from=2026-11-20&amp;rt=7d&amp;to=2026-12-01#targets"`) {
		t.Errorf("30-day preset not active, or the links drop the period")
	}
	if !strings.Contains(body, `"20/11 16.00"`) {
		t.Errorf("30-day labels lack the day")
	}
	resp, body = f.do(t, "staff71", "GET", "/offices/73.71?rt=1y", nil, false)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "rt") {
		t.Errorf("?rt=1y: %d, want 400 naming rt", resp.StatusCode)
	}
	// An office without checks says so rather than drawing an empty chart.
	_, body = f.do(t, "prov73", "GET", "/offices/73.72", nil, false)
	if !strings.Contains(body, "Belum ada data waktu respons") || !strings.Contains(body, "Belum ada pemeriksaan dalam 24 jam terakhir") || strings.Contains(body, "chart_latency_") {
		t.Errorf("office without checks: no plain statement, or an empty chart")
	}
}
