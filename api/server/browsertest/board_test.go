package browsertest

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// visibleCells lists the office codes of the board's grid squares that are
// shown, in their order on the page.
const visibleCells = `Array.from(document.querySelectorAll('#board-grid .cell')).filter(e => !e.hidden).map(e => e.dataset.office).join(",")`

// listedRows lists the office codes of the board's rows that are shown.
const listedRows = `Array.from(document.querySelectorAll('#board tbody tr')).filter(e => !e.hidden).map(e => e.dataset.office).join(",")`

func TestBoardSearchFilterGrid(t *testing.T) {
	s := newSite(t)
	b := browser(t)
	base := s.srv.URL
	tb := newTab(t, b)
	tb.login(t, base, s.users["national"])
	step(t, tb, "desktop width", chromedp.EmulateViewport(1366, 900))
	tb.open(t, base+"/")

	// Every office has a square; Makassar's open cut puts it first and it
	// is the only row, as the others are up or unknown.
	if got := eval[string](t, tb, visibleCells); !strings.HasPrefix(got, "73.71,") || strings.Count(got, ",") != len(offices)-1 {
		t.Errorf("grid squares %q: want all %d offices, Makassar first", got, len(offices))
	}
	if got := eval[string](t, tb, listedRows); got != "73.71" {
		t.Errorf("rows without a filter %q, want only the office that is down", got)
	}
	tb.screenshot(t, "board-national-1366")

	// typeInto types a filter the way a viewer does: key by key.
	typeInto := func(sel, text string) {
		t.Helper()
		eval[bool](t, tb, `(() => { const e = document.querySelector('`+sel+`'); e.value = ''; e.dispatchEvent(new Event('input')); return true })()`)
		if text != "" {
			step(t, tb, "type "+text, chromedp.SendKeys(chromedp.CSS(sel), text))
		}
	}
	choose := func(sel, value string) {
		t.Helper()
		eval[bool](t, tb, `(() => { const e = document.querySelector('`+sel+`'); e.value = '`+value+`'; e.dispatchEvent(new Event('change')); return true })()`)
	}
	cases := []struct {
		name, q, prov, state string
		cells, rows          string
	}{
		{"by name", "pare", "", "", "73.72", "73.72"},
		{"by code", "76", "", "", "76.01", "76.01"},
		{"by province", "", "76", "", "76.01", ""},
		{"by state", "", "", "down", "73.71", "73.71"},
		{"province and state", "", "76", "down", "", ""},
	}
	for _, c := range cases {
		typeInto("#board-q", c.q)
		choose("#board-prov", c.prov)
		choose("#board-state", c.state)
		if got := eval[string](t, tb, visibleCells); got != c.cells {
			t.Errorf("%s: squares %q, want %q", c.name, got, c.cells)
		}
		if got := eval[string](t, tb, listedRows); got != c.rows {
			t.Errorf("%s: rows %q, want %q", c.name, got, c.rows)
		}
		if c.cells == "" && !eval[bool](t, tb, `!document.getElementById('board-empty').hidden`) {
			t.Errorf("%s: no word that nothing matches", c.name)
		}
	}
	// The filter is kept in the address: a reload shows the same board,
	// filtered by the server before any script runs.
	typeInto("#board-q", "gowa")
	choose("#board-prov", "")
	choose("#board-state", "")
	if got := eval[string](t, tb, `location.search`); got != "?q=gowa" {
		t.Errorf("address after filtering: %q", got)
	}
	tb.open(t, base+"/?q=gowa")
	if got := eval[string](t, tb, visibleCells); got != "73.06" {
		t.Errorf("reloaded filtered board: squares %q", got)
	}

	// 514 squares (the fixture's, copied in the page: the nation's count)
	// end within the first screen at 1366 x 900.
	tb.open(t, base+"/")
	bottom := eval[float64](t, tb, `(() => { const g = document.getElementById('board-grid'), c = g.children[0];
		for (let i = g.children.length; i < 514; i++) { g.appendChild(c.cloneNode()); }
		return g.getBoundingClientRect().bottom })()`)
	if bottom > 900 {
		t.Errorf("514 squares end at %v px, below the first screen at 1366 x 900", bottom)
	}
	tb.screenshot(t, "board-514-1366")

	// The phone layout keeps every square on the first screen.
	tb.open(t, base+"/")
	step(t, tb, "emulate a phone", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	if bottom := eval[float64](t, tb, `document.getElementById('board-grid').getBoundingClientRect().bottom`); bottom > 844 {
		t.Errorf("on a phone the grid ends at %v px, below the first screen", bottom)
	}
	if w := eval[float64](t, tb, `document.documentElement.scrollWidth`); w > 390 {
		t.Errorf("on a phone the board is %v px wide", w)
	}
	tb.screenshot(t, "board-national-390")
	if errs := tb.consoleErrors(); len(errs) > 0 {
		t.Errorf("console errors: %v", errs)
	}
}

// TestBoardMovesWithoutReload: an office that goes down moves to the front
// of the grid and gets a row, on the board's own refresh.
func TestBoardMovesWithoutReload(t *testing.T) {
	s := newSite(t)
	b := browser(t)
	base := s.srv.URL
	tb := newTab(t, b)
	tb.login(t, base, s.users["prov73"])
	tb.open(t, base+"/")
	if got := eval[string](t, tb, visibleCells); strings.HasPrefix(got, "73.06") {
		t.Fatalf("Gowa is first before it went down: %q", got)
	}
	eval[bool](t, tb, `window.__noReload = true`)
	s.cutCentral(t, "73.06")
	// The page's own timer refreshes within its period; wait for it (with
	// the step's deadline) rather than calling it.
	step(t, tb, "board refreshes by itself", chromedp.Poll[bool](
		`document.querySelector('#board-grid .cell').dataset.office === '73.06'`, chromedp.WithPollingTimeout(30*time.Second)))
	if got := eval[string](t, tb, listedRows); !strings.Contains(got, "73.06") {
		t.Errorf("Gowa has no row after it went down: %q", got)
	}
	// Makassar's probe has been silent meanwhile: the counts follow the
	// squares, whatever the states are now.
	if got := eval[string](t, tb, `document.querySelector('[data-count="down"] b').textContent + "/" + document.querySelectorAll('#board-grid .cell.down').length`); got[:strings.Index(got, "/")] != got[strings.Index(got, "/")+1:] {
		t.Errorf("down count and down squares differ after Gowa went down: %q", got)
	}
	if !eval[bool](t, tb, `window.__noReload === true`) {
		t.Errorf("the board reloaded the page")
	}
	tb.screenshot(t, "board-prov73-moved")
}
