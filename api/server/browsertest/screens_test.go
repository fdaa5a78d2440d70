package browsertest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// screenWidths are the widths every page is looked at: a common office
// laptop and a phone.
var screenWidths = []struct {
	w, h   int64
	mobile bool
}{{1366, 900, false}, {390, 844, true}}

// overflowJS finds what makes the page scroll sideways: the page's own
// width beyond the viewport, and the elements sticking out of it that no
// scrolling box of their own holds (a wide table inside its own scroller
// is fine).
const overflowJS = `(() => {
  const de = document.documentElement, vw = de.clientWidth;
  if (de.scrollWidth <= vw) return "";
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right <= vw + 1 || r.width === 0) continue;
    let held = false;
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX;
      if (ox === "auto" || ox === "scroll" || ox === "hidden") { held = true; break; }
    }
    if (held) continue;
    out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.split(" ").join(".") : "") + " right=" + Math.round(r.right));
    if (out.length >= 5) break;
  }
  return "page " + de.scrollWidth + " px wide in " + vw + ": " + out.join(", ");
})()`

// TestScreensPerRole opens every page each role uses at 1366 and 390 px
// wide, checks that none scrolls sideways on a phone or a laptop, and
// keeps a full-page screenshot of each in testoutput/screens/
// (<role>-<page>-<width>.png).
func TestScreensPerRole(t *testing.T) {
	s := newSite(t)
	b := browser(t)
	base := s.srv.URL
	dir := filepath.Join(outputDir(t), "screens")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	roles := []struct {
		role, user string // role as the file names say it; user key ("" for a visitor)
		pages      [][2]string
	}{
		{"visitor", "", [][2]string{{"login", "/login"}, {"status", "/status/73.71"}, {"404", "/no-such-page"}}},
		{"office-staff", "staff71", [][2]string{{"board", "/"}, {"office", "/offices/73.71"}, {"report", "/reports/offices/73.71"},
			{"settings", "/offices/73.71/settings"}, {"monthly", "/reports/monthly"}}},
		{"head-of-office", "city71", [][2]string{{"board", "/"}, {"office", "/offices/73.71"}, {"report", "/reports/offices/73.71"}}},
		{"provincial", "prov73", [][2]string{{"board", "/"}, {"province", "/provinces/73"}, {"report-province", "/reports/provinces/73"},
			{"office", "/offices/73.72"}}},
		{"national", "national", [][2]string{{"board", "/"}, {"national", "/national"}, {"province", "/provinces/76"}, {"office", "/offices/73.71"}}},
		{"admin", "admin", [][2]string{{"board", "/"}, {"admin", "/admin"}, {"settings", "/offices/73.71/settings"}}},
	}
	for _, r := range roles {
		t.Run(r.role, func(t *testing.T) {
			tb := newTab(t, b)
			if r.user != "" {
				tb.login(t, base, s.users[r.user])
			}
			for _, p := range r.pages {
				for _, sw := range screenWidths {
					opts := []chromedp.EmulateViewportOption{}
					if sw.mobile {
						opts = append(opts, chromedp.EmulateMobile)
					}
					step(t, tb, fmt.Sprintf("viewport %d", sw.w), chromedp.EmulateViewport(sw.w, sw.h, opts...))
					st := tb.open(t, base+p[1])
					if want := int64(200); p[0] == "404" {
						if st != 404 {
							t.Errorf("%s: status %d, want 404", p[1], st)
						}
					} else if st != want {
						t.Errorf("%s as %s: status %d", p[1], r.role, st)
						continue
					}
					eval[bool](t, tb, `Promise.resolve(window.pantauChartsReady).then(() => true)`)
					if got := eval[string](t, tb, overflowJS); got != "" {
						t.Errorf("%s as %s at %d px scrolls sideways: %s", p[1], r.role, sw.w, got)
					}
					buf := step(t, tb, "screenshot", chromedp.FullScreenshot(100))
					name := fmt.Sprintf("%s-%s-%d.png", r.role, p[0], sw.w)
					if err := os.WriteFile(filepath.Join(dir, strings.ReplaceAll(name, "/", "-")), buf, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			if errs := tb.consoleErrors("404"); len(errs) > 0 {
				t.Errorf("console errors: %v", errs)
			}
		})
	}
}
