// Package pdf prints a rendered page to an A4 PDF with the machine's
// headless Chromium: the same engine, print CSS and chart redraw
// (web/static/print.js) as the browser's own "Cetak", so the downloaded
// PDF is the printed document.
package pdf

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// DefaultChromium is where .ci/deps and Debian put Chromium.
const DefaultChromium = "/usr/bin/chromium"

// singletonSocket is the path Chromium puts its single-instance socket at,
// below TMPDIR; maxSocketPath the longest path a Unix socket may have
// (sun_path, 108 bytes with its NUL).
const (
	singletonSocket = "/org.chromium.Chromium.XXXXXX/SingletonSocket"
	maxSocketPath   = 107
)

// ErrNoChromium is returned when the machine has no Chromium to print with.
var ErrNoChromium = errors.New("no chromium to print with")

// Printer prints pages through Chromium at Path, at most two at a time
// (each print starts a browser).
type Printer struct {
	path string
	slot chan struct{}
}

// New returns a printer using Chromium at path.
func New(path string) *Printer {
	return &Printer{path: path, slot: make(chan struct{}, 2)}
}

// Available reports whether Chromium exists at the printer's path.
func (p *Printer) Available() bool {
	st, err := os.Stat(p.path)
	return err == nil && !st.IsDir()
}

// Doc is one page to print: its HTML, and the assets it links under
// Prefix (the stylesheet, print.js, ECharts).
type Doc struct {
	HTML      []byte
	Assets    fs.FS
	Prefix    string // "/static/"
	Landscape bool
}

// Print serves doc on a loopback address only Chromium reads, lets its
// charts redraw at the printable width, and prints it on A4 (the page's
// own @page size and margins win). The whole print is bounded by ctx and
// a minute.
func (p *Printer) Print(ctx context.Context, doc Doc) ([]byte, error) {
	if !p.Available() {
		return nil, ErrNoChromium
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	select {
	case p.slot <- struct{}{}:
		defer func() { <-p.slot }()
	case <-ctx.Done():
		return nil, fmt.Errorf("print: wait for a free printer: %w", ctx.Err())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("print: listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle(doc.Prefix, http.StripPrefix(doc.Prefix, http.FileServer(http.FS(doc.Assets))))
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write(doc.HTML)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	dir, err := os.MkdirTemp("", "pantau-pdf-")
	if err != nil {
		return nil, fmt.Errorf("print: profile dir: %w", err)
	}
	defer os.RemoveAll(dir)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(p.path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 900),
	}
	// Chromium keeps its single-instance socket in a folder of its own
	// under TMPDIR and leaves it behind when it is stopped rather than
	// quit: one folder per print in the server's temporary folder. Inside
	// the profile folder it goes with it, unless that would make the
	// socket's path longer than a Unix socket's name may be.
	if len(dir)+len(singletonSocket) <= maxSocketPath {
		opts = append(opts, chromedp.Env("TMPDIR="+dir))
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	defer cancelBrowser()
	var out []byte
	landscape, yes := doc.Landscape, true
	_, err = chromedp.Run(bctx, chromedp.Steps(
		chromedp.Navigate("http://"+ln.Addr().String()+"/"),
		chromedp.WaitReady(chromedp.CSS("body")),
		// The charts at the printable width, painted now, once charts.js
		// has drawn them (print.js; a promise).
		chromedp.Evaluate[chromedp.Void](`Promise.resolve(window.pantauPrintCharts && window.pantauPrintCharts()).then(() => true)`, chromedp.EvalAwaitPromise),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PaperWidth: 8.27, PaperHeight: 11.69,
				Landscape: &landscape, PreferCSSPageSize: &yes, PrintBackground: &yes})
			out = res.Data
			return err
		}),
	))
	if err != nil {
		return nil, fmt.Errorf("print: chromium: %w", err)
	}
	return out, nil
}
