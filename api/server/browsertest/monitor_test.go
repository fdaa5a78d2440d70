package browsertest

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/pantau-id/pantau/api"
)

// paintedJS counts the pixels a chart's canvas has painted (alpha > 0): a
// chart whose option is right but whose canvas stayed blank has none.
const paintedJS = `(function (id) {
  var c = document.querySelector('#' + id + ' canvas');
  if (!c) { return -1; }
  var d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, n = 0;
  for (var i = 3; i < d.length; i += 4) { if (d[i] > 0) { n++; } }
  return n;
})("%s")`

// TestMonitorChartsInChromium: on Makassar's page each target's response
// time chart (from the hourly rollups) and heartbeat bars render, the
// presets are plain links; the incident of Makassar's open central cut has
// its page with the offices-down chart, linked from the office page.
func TestMonitorChartsInChromium(t *testing.T) {
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.store.RefreshRollups(ctx, s.clock.Now(), s.clock.Now().AddDate(0, 0, -30)); err != nil {
		t.Fatal(err)
	}
	targets, err := s.store.Targets(ctx, "73.71")
	if err != nil {
		t.Fatal(err)
	}
	incidents, err := s.store.Incidents(ctx, api.IncidentFilter{OfficeCode: "73.71", OpenOnly: true})
	if err != nil || len(incidents) != 1 {
		t.Fatalf("Makassar's open incidents: %d, %v; want 1", len(incidents), err)
	}
	incident := "/incidents/" + strconv.FormatInt(incidents[0].ID, 10)
	b := browser(t)
	base := s.srv.URL
	tb := newTab(t, b)
	tb.login(t, base, s.users["staff71"])

	for _, rt := range []string{"", "?rt=7d"} {
		if st := tb.open(t, base+"/offices/73.71"+rt); st != 200 {
			t.Fatalf("office page%s: status %d", rt, st)
		}
		for _, tg := range targets {
			id := "chart_latency_" + strconv.FormatInt(tg.ID, 10)
			if rt == "" && tg.Spec.Name == "central" {
				// Cut for the last 30 hours: no successful check in the
				// 24 hours shown, so no line, and the page says so.
				if eval[bool](t, tb, `document.getElementById("`+id+`") !== null`) ||
					!strings.Contains(eval[string](t, tb, `document.getElementById('targets').innerText`), "Belum ada data waktu respons dalam rentang ini (24 jam)") {
					t.Errorf("central target without successes in 24 hours: a chart, or no statement")
				}
				continue
			}
			tb.chart(t, id)
			if n := eval[int](t, tb, strings.Replace(paintedJS, "%s", id, 1)); n <= 0 {
				t.Errorf("%s%s: canvas painted %d pixels", id, rt, n)
			}
			// Axis and tooltip write numbers as Indonesians read them.
			got := eval[string](t, tb, `(function () { var o = echarts.getInstanceByDom(document.getElementById("`+id+`")).getOption();
				return o.yAxis[0].axisLabel.formatter(1234.5) + " " + o.tooltip[0].valueFormatter(1234.5); })()`)
			if got != "1.234,5 1.234,5" {
				t.Errorf("%s: axis and tooltip write 1234.5 as %q, want 1.234,5", id, got)
			}
		}
		// 50 bars per target, each with its time in its title, and the
		// sentence that says the same for screen readers and everyone.
		if n := eval[int](t, tb, `document.querySelectorAll('#targets .heartbeat .beat').length`); n != 2*50 {
			t.Errorf("heartbeat bars%s: %d, want 100", rt, n)
		}
		if n := eval[int](t, tb, `document.querySelectorAll('#targets .heartbeat .beat.fail').length`); n != 50 {
			t.Errorf("failed bars%s: %d, want the central target's 50 (cut for 30 hours)", rt, n)
		}
		summary := eval[string](t, tb, `Array.from(document.querySelectorAll('#targets .hb-summary')).map(e => e.innerText).join(' | ')`)
		if !strings.Contains(summary, "0 dari 50 pemeriksaan terakhir berhasil") || !strings.Contains(summary, "50 dari 50") || !strings.Contains(summary, "WITA") {
			t.Errorf("heartbeat sentences%s: %q", rt, summary)
		}
	}
	if cur := eval[string](t, tb, `document.querySelector('#targets [aria-current=page]').innerText`); cur != "7 hari" {
		t.Errorf("current preset after ?rt=7d: %q", cur)
	}
	tb.screenshot(t, "office-makassar-monitor")

	// The office page links to the incident; its page draws the chart.
	if !eval[bool](t, tb, `document.querySelector('a[href="`+incident+`"]') !== null`) {
		t.Errorf("office page has no link to %s", incident)
	}
	if st := tb.open(t, base+incident); st != 200 {
		t.Fatalf("incident page: status %d", st)
	}
	tb.chart(t, "chart_incident")
	if n := eval[int](t, tb, strings.Replace(paintedJS, "%s", "chart_incident", 1)); n <= 0 {
		t.Errorf("incident chart painted %d pixels", n)
	}
	body := eval[string](t, tb, `document.body.innerText`)
	for _, want := range []string{"Insiden berlangsung", "pusat", "Kota Makassar", "WITA", "Belum ditangani di Slack"} {
		if !strings.Contains(body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	tb.screenshot(t, "incident-makassar")
	// On a phone neither page scrolls sideways (tables and charts fit).
	step(t, tb, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	for name, path := range map[string]string{"incident-makassar-phone": incident, "office-makassar-monitor-phone": "/offices/73.71?rt=30d"} {
		if st := tb.open(t, base+path); st != 200 {
			t.Fatalf("%s on a phone: status %d", path, st)
		}
		if w := eval[float64](t, tb, `document.documentElement.scrollWidth`); w > 390 {
			t.Errorf("%s on a phone is %v px wide, want 390", path, w)
		}
		tb.screenshot(t, name)
	}
	if errs := tb.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}
