package browsertest

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// pageCase is one page a role opens: its path, the charts it must show, and a
// text it must contain.
type pageCase struct {
	name, path string
	charts     []string
	contains   string
}

func TestPagesInChromium(t *testing.T) {
	s := newSite(t)
	b := browser(t)
	base := s.srv.URL
	roles := []struct {
		key   string
		pages []pageCase
	}{
		{"staff71", []pageCase{
			{"board-staff71", "/", nil, "Kota Makassar"},
			{"office-makassar", "/offices/73.71", []string{"chart_timeline", "chart_backlog"}, "Terputus"},
			{"report-office-makassar", "/reports/offices/73.71", []string{"chart_timeline", "chart_backlog"}, "DINAS KEPENDUDUKAN"},
		}},
		{"city71", []pageCase{
			{"office-makassar-city", "/offices/73.71?lang=en", []string{"chart_timeline", "chart_backlog"}, "Down"},
		}},
		{"prov73", []pageCase{
			{"board-prov73", "/?lang=id", nil, "Semua kantor sekilas"},
			{"province-sulsel", "/provinces/73", []string{"chart_heatmap"}, "Kabupaten Gowa"},
			{"report-province-sulsel", "/reports/provinces/73", []string{"chart_heatmap"}, "Sulawesi Selatan"},
			{"office-parepare", "/offices/73.72", []string{"chart_timeline"}, "Kota Parepare"},
		}},
		{"national", []pageCase{
			{"national", "/national", []string{"chart_national"}, "Tunggakan dan lembur dihitung dengan asumsi koneksi kembali"},
			{"province-sulbar", "/provinces/76", []string{"chart_heatmap"}, "Kabupaten Majene"},
		}},
		{"admin", []pageCase{
			{"admin", "/admin", nil, "staff71@pantau.test"},
		}},
	}
	for _, r := range roles {
		t.Run(r.key, func(t *testing.T) {
			tb := newTab(t, b)
			tb.login(t, base, s.users[r.key])
			for _, p := range r.pages {
				if st := tb.open(t, base+p.path); st != 200 {
					t.Fatalf("%s: status %d", p.path, st)
				}
				for _, id := range p.charts {
					tb.chart(t, id)
				}
				if body := eval[string](t, tb, `document.body.innerText`); !strings.Contains(body, p.contains) {
					t.Errorf("%s lacks %q", p.path, p.contains)
				}
				tb.screenshot(t, p.name)
			}
			if r.key == "staff71" {
				recordIntake(t, tb, base)
			}
			if errs := tb.consoleErrors(); len(errs) > 0 {
				t.Errorf("console errors: %v", errs)
			}
		})
	}

	t.Run("login page and the printed letter", func(t *testing.T) {
		tb := newTab(t, b)
		tb.open(t, base+"/login")
		tb.screenshot(t, "login")
		tb.login(t, base, s.users["city71"])
		tb.open(t, base+"/reports/offices/73.71")
		step(t, tb, "emulate print media", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
			return err
		}))
		if eval[bool](t, tb, `getComputedStyle(document.querySelector('header.top')).display !== 'none' || getComputedStyle(document.querySelector('.toolbar')).display !== 'none'`) {
			t.Errorf("print style shows the navigation or the toolbar")
		}
		tb.chart(t, "chart_backlog")
		tb.screenshot(t, "report-office-print")
	})

	t.Run("public status page without login", func(t *testing.T) {
		tb := newTab(t, b)
		if st := tb.open(t, base+"/status/73.71"); st != 200 {
			t.Fatalf("status %d", st)
		}
		body := eval[string](t, tb, `document.body.innerText`)
		for _, want := range []string{"Layanan yang terganggu", "Kartu Keluarga", "Terganggu sejak", "WITA"} {
			if !strings.Contains(body, want) {
				t.Errorf("public page lacks %q", want)
			}
		}
		for _, secret := range []string{"probe", "central", "pusat", "Tunggakan"} {
			if strings.Contains(body, secret) {
				t.Errorf("public page shows internal detail %q", secret)
			}
		}
		if eval[bool](t, tb, `document.querySelector('form[action="/logout"]') !== null`) {
			t.Errorf("public page offers a logout: it thinks someone is logged in")
		}
		tb.screenshot(t, "public-makassar")
		if errs := tb.consoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	})

	t.Run("city official gets nothing of another office", func(t *testing.T) {
		tb := newTab(t, b)
		tb.login(t, base, s.users["city71"])
		if st := tb.open(t, base+"/offices/73.72"); st != 404 {
			t.Errorf("another office's page: %d, want 404", st)
		}
		if body := eval[string](t, tb, `document.body.innerText`); strings.Contains(body, "Parepare") {
			t.Errorf("the refusal names the office")
		}
		tb.screenshot(t, "city-official-other-office")
		got := eval[string](t, tb, `Promise.all([
			fetch("/api/v1/board").then(r => r.json()).then(b => b.offices.map(o => o.code).join(",")),
			fetch("/reports/offices/73.72/csv").then(r => String(r.status)),
			fetch("/provinces/73").then(r => String(r.status)),
		]).then(a => a.join(" "))`)
		if got != "73.71 404 403" {
			t.Errorf("board offices, CSV and province status: %q, want \"73.71 404 403\"", got)
		}
		if errs := tb.consoleErrors("404", "403"); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	})

	t.Run("form without CSRF token is refused", func(t *testing.T) {
		tb := newTab(t, b)
		tb.login(t, base, s.users["admin"])
		// From the admin page each time, so that a retried step starts over;
		// done when the page the refused form loads has loaded.
		step(t, tb, "post the probe form without its CSRF token", chromedp.Steps(
			chromedp.Navigate(base+"/admin"),
			chromedp.Evaluate[chromedp.Void](`document.querySelector('#probe-form input[name=csrf]').remove()`),
			chromedp.SetValue(chromedp.CSS(`#probe-form input[name=office]`), "73.71"),
			chromedp.SetValue(chromedp.CSS(`#probe-form input[name=name]`), "probe-no-csrf"),
			ignore(chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Submit(chromedp.CSS(`#probe-form`)))),
		))
		if body := eval[string](t, tb, `document.body.innerText`); !strings.Contains(body, "403") {
			t.Errorf("posting without CSRF: page %q, want a 403", body)
		}
		tb.screenshot(t, "csrf-refused")
		probes, _ := s.store.Probes(t.Context(), "73.71")
		for _, p := range probes {
			if p.Name == "probe-no-csrf" {
				t.Fatalf("the refused form created a probe")
			}
		}
	})

	t.Run("status board refreshes without reload", func(t *testing.T) {
		tb := newTab(t, b)
		tb.login(t, base, s.users["prov73"])
		tb.open(t, base+"/")
		const gowa = `document.querySelector('tr[data-office="73.06"] [data-field="state"]').textContent`
		if got := eval[string](t, tb, gowa); got != "Terhubung" {
			t.Fatalf("Gowa before: %q, want Terhubung", got)
		}
		eval[bool](t, tb, `window.__noReload = true`)
		s.cutCentral(t, "73.06") // four failed checks, then detection
		eval[bool](t, tb, `window.pantauBoardRefresh().then(() => true)`)
		if got := eval[string](t, tb, gowa); !strings.HasPrefix(got, "Terputus") {
			t.Errorf("Gowa after refresh: %q, want Terputus", got)
		}
		if !eval[bool](t, tb, `window.__noReload === true`) {
			t.Errorf("the board reloaded the page")
		}
		tb.screenshot(t, "board-after-refresh")
		// The phone layout of the same board.
		step(t, tb, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
		tb.screenshot(t, "board-phone")
		if errs := tb.consoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %v", errs)
		}
	})
}

// recordIntake enters today's files on the office page's form and checks
// that the page comes back with them counted.
func recordIntake(t *testing.T, tb *tab, base string) {
	t.Helper()
	tb.open(t, base+"/offices/73.71")
	const today = `Number(Array.from(document.querySelectorAll('table.days tbody tr')).pop().children[1].textContent)`
	// Wait for the page the form's redirect loads, not the one it left. The
	// form sets the day's count, so a retried step records the same.
	step(t, tb, "intake form", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS(`#intake-form input[name=n_KK]`), "12"),
		ignore(chromedp.WaitEvent(page.LoadEventFired, nil, chromedp.Submit(chromedp.CSS(`#intake-form`)))),
	))
	// Before, today's row may show a projection of the usual intake; after,
	// it shows what was recorded.
	if got := eval[int](t, tb, today); got != 12 {
		t.Errorf("today's received after recording 12: %d", got)
	}
	tb.chart(t, "chart_backlog")
	tb.screenshot(t, "office-makassar-after-intake")
}

// ignore drops an action's value, to run it among steps that return none.
func ignore[T any](a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := a(ctx, tg)
		return chromedp.Void{}, err
	}
}
