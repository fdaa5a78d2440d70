package browsertest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Chromium with a fresh profile; the flags keep it
// off the network except for the test server.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("PANTAU_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		t.Skip("no Chromium on this machine (.ci/deps installs it)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// tab opens a new tab (own cookies: a fresh browser context) and collects
// its console errors and uncaught exceptions.
type tab struct {
	ctx    context.Context
	mu     sync.Mutex
	errors []string
}

func newTab(t *testing.T, b context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(b, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("new tab: %v", err)
	}
	tb := &tab{ctx: ctx}
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || m.Type == chromedp.ConsoleError {
				tb.mu.Lock()
				tb.errors = append(tb.errors, m.String()+" at "+m.URL)
				tb.mu.Unlock()
			}
		}
	}()
	return tb
}

// consoleErrors returns what reached the console as an error, except the
// browser's own log lines for responses the test asked to be refused.
func (tb *tab) consoleErrors(allowed ...string) []string {
	time.Sleep(50 * time.Millisecond) // let the last console events arrive
	tb.mu.Lock()
	defer tb.mu.Unlock()
	var out []string
next:
	for _, e := range tb.errors {
		for _, a := range allowed {
			if strings.Contains(e, a) {
				continue next
			}
		}
		out = append(out, e)
	}
	return out
}

// open navigates and returns the HTTP status of the document.
func (tb *tab) open(t *testing.T, url string) int64 {
	t.Helper()
	resp, err := chromedp.Run(tb.ctx, chromedp.NavigateResponse(url))
	if err != nil {
		t.Fatalf("open %s: %v", url, err)
	}
	return resp.Status
}

// eval runs a script and decodes its value.
func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	v, err := chromedp.Run(tb.ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %.80s: %v", js, err)
	}
	return v
}

// screenshot writes a full-page PNG to testoutput/<name>.png.
func (tb *tab) screenshot(t *testing.T, name string) {
	t.Helper()
	buf, err := chromedp.Run(tb.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := outputDir(t)
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// outputDir is testoutput/ at the repository root (found by go.mod).
func outputDir(t *testing.T) string {
	t.Helper()
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = parent
	}
	out := filepath.Join(dir, "testoutput")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// chartInfo is what a page's ECharts instance holds.
type chartInfo struct {
	Found   bool `json:"found"`
	Canvas  bool `json:"canvas"`
	Series  int  `json:"series"`
	Points  int  `json:"points"`
	NonZero int  `json:"nonzero"`
}

const chartJS = `(function (id) {
  var el = document.getElementById(id);
  if (!el || !window.echarts) { return {found: false}; }
  var inst = echarts.getInstanceByDom(el);
  if (!inst) { return {found: false}; }
  var o = inst.getOption(), pts = 0, nz = 0;
  (o.series || []).forEach(function (s) { (s.data || []).forEach(function (d) {
    pts++; var v = (d && d.value !== undefined) ? d.value : d;
    if (Array.isArray(v)) { v = v[v.length - 1]; }
    if (v) { nz++; }
  }); });
  return {found: true, canvas: !!el.querySelector('canvas, svg'), series: (o.series || []).length, points: pts, nonzero: nz};
})(%q)`

// chart checks that chart id rendered with data.
func (tb *tab) chart(t *testing.T, id string) chartInfo {
	t.Helper()
	info := eval[chartInfo](t, tb, strings.Replace(chartJS, "%q", `"`+id+`"`, 1))
	if !info.Found || !info.Canvas || info.Series == 0 || info.Points == 0 || info.NonZero == 0 {
		t.Errorf("chart %s: %+v, want rendered with non-empty, non-zero series", id, info)
	}
	return info
}

// login fills and posts the login form in the tab.
func (tb *tab) login(t *testing.T, base, email string) {
	t.Helper()
	if st := tb.open(t, base+"/login"); st != 200 {
		t.Fatalf("login form: %d", st)
	}
	err := chromedp.Do(tb.ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`#login-form`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who`)),
	)
	if err != nil {
		t.Fatalf("log in as %s: %v", email, err)
	}
}
