package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// stepTimeout bounds every browser step: starting Chromium, opening a tab,
// and each action run in a tab. A step takes well under a second on an idle
// machine; the bound is for a loaded one, where a fresh clone's run once
// hung 19 minutes in one screenshot. A step that hits it is tried once more.
const stepTimeout = 45 * time.Second

// diagTimeout bounds each of the two looks taken at a failed step's page
// (its URL and a screenshot), so a hung tab cannot hang the report either.
const diagTimeout = 15 * time.Second

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
	// Chromium's single-instance socket folder goes under TMPDIR and is
	// left behind when the browser is stopped: a folder of the test's own
	// (short: the socket's path has a limit), removed after the browser.
	tmp, err := os.MkdirTemp("", "chr-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	for attempt := 1; attempt <= 2; attempt++ {
		opts := []chromedp.ExecAllocatorOption{
			chromedp.ExecPath(path),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.UserDataDir(t.TempDir()),
			chromedp.WindowSize(1280, 900),
			chromedp.Env("TMPDIR=" + tmp),
		}
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
		ctx, cancel := chromedp.NewContext(alloc)
		if err = start(ctx); err == nil {
			t.Cleanup(cancelAlloc)
			t.Cleanup(cancel)
			return ctx
		}
		cancel()
		cancelAlloc()
		t.Logf("start chromium (attempt %d): %v", attempt, err)
	}
	t.Fatalf("start chromium: %v", err)
	return nil
}

// start runs a chromedp context's first step, the one that starts the
// browser or opens the tab. That step cannot carry a timeout of its own
// (the browser or tab lives as long as the context of its first step), so
// it is raced against a timer instead; the caller cancels the context when
// it loses.
func start(ctx context.Context) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	timer := time.NewTimer(stepTimeout)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("no answer in %v", stepTimeout)
	}
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
	var ctx context.Context
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(b, chromedp.WithNewBrowserContext())
		if err = start(ctx); err == nil {
			t.Cleanup(cancel)
			break
		}
		cancel()
		t.Logf("new tab (attempt %d): %v", attempt, err)
	}
	if err != nil {
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

// step runs one browser action in the tab within stepTimeout. An action
// that times out is run once more, so every action passed here must be
// harmless to run twice; one that fails otherwise, or times out twice,
// fails the test with the page's URL and a screenshot in testoutput/.
func step[T any](t *testing.T, tb *tab, what string, a chromedp.Action[T]) T {
	t.Helper()
	var err error
	for attempt := 1; attempt <= 2; attempt++ {
		ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
		v, runErr := chromedp.Run(ctx, a)
		timedOut := ctx.Err() == context.DeadlineExceeded
		cancel()
		if runErr == nil {
			return v
		}
		err = runErr
		if !timedOut {
			break
		}
		err = fmt.Errorf("no answer in %v: %w", stepTimeout, runErr)
		t.Logf("%s (attempt %d): %v", what, attempt, err)
	}
	t.Fatalf("%s: %v; %s", what, err, tb.diagnose(t))
	var zero T
	return zero
}

// diagnose describes the tab's page after a failed step: its URL, asked of
// the browser rather than of the page (a hung page cannot answer), and a
// screenshot of what it shows, saved as testoutput/FAILED-<test>.png.
func (tb *tab) diagnose(t *testing.T) string {
	t.Helper()
	url := "unknown"
	if c := chromedp.FromContext(tb.ctx); c != nil && c.Target != nil {
		ctx, cancel := context.WithTimeout(tb.ctx, diagTimeout)
		info, err := chromedp.CallBrowser(ctx, target.GetTargetInfo, target.GetTargetInfoParams{TargetID: c.Target.TargetID})
		cancel()
		switch {
		case err != nil:
			url = fmt.Sprintf("unknown (%v)", err)
		case info.TargetInfo != nil:
			url = info.TargetInfo.URL
		}
	}
	shot := "none"
	ctx, cancel := context.WithTimeout(tb.ctx, diagTimeout)
	buf, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	cancel()
	if err != nil {
		shot = fmt.Sprintf("none (%v)", err)
	} else {
		name := "FAILED-" + strings.NewReplacer("/", "-", " ", "_").Replace(t.Name()) + ".png"
		path := filepath.Join(outputDir(t), name)
		if err := os.WriteFile(path, buf, 0o644); err != nil {
			shot = fmt.Sprintf("none (%v)", err)
		} else {
			shot = path
		}
	}
	return fmt.Sprintf("page %s, screenshot %s", url, shot)
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
	resp := step(t, tb, "open "+url, chromedp.NavigateResponse(url))
	return resp.Status
}

// eval runs a script and decodes its value. The script must be harmless to
// run twice (see step).
func eval[T any](t *testing.T, tb *tab, js string) T {
	t.Helper()
	return step(t, tb, fmt.Sprintf("eval %.80s", js), chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
}

// screenshot writes a full-page PNG to testoutput/<name>.png.
func (tb *tab) screenshot(t *testing.T, name string) {
	t.Helper()
	buf := step(t, tb, "screenshot "+name, chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(outputDir(t), name+".png"), buf, 0o644); err != nil {
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

// chartJS waits for charts.js to have drawn the page's charts (it draws
// after the first paint), then reads chart id.
const chartJS = `Promise.resolve(window.pantauChartsReady).then(function () { return (function (id) {
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
})(%q); })`

// chart checks that chart id rendered with data.
func (tb *tab) chart(t *testing.T, id string) chartInfo {
	t.Helper()
	info := eval[chartInfo](t, tb, strings.Replace(chartJS, "%q", `"`+id+`"`, 1))
	if !info.Found || !info.Canvas || info.Series == 0 || info.Points == 0 || info.NonZero == 0 {
		t.Errorf("chart %s: %+v, want rendered with non-empty, non-zero series", id, info)
	}
	return info
}

// login fills and posts the login form in the tab. It starts from no
// cookies, so that running it again after a timeout starts over from the
// form rather than from a session that went through.
func (tb *tab) login(t *testing.T, base, email string) {
	t.Helper()
	if st := tb.open(t, base+"/login"); st != 200 {
		t.Fatalf("login form: %d", st)
	}
	step(t, tb, "log in as "+email, chromedp.Steps(
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
			return err
		}),
		chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Submit(chromedp.CSS(`#login-form`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who`)),
	))
}
