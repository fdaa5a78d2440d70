package webui

import (
	"bytes"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/httperr"
	"github.com/pantau-id/pantau/api/pdf"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/format"
)

// Pages serves the web pages, prints, exports and the monthly report job:
// the store they read, the guard that says who is asking, and the parsed
// templates.
type Pages struct {
	store  *postgres.Store
	guard  *auth.Guard
	log    *slog.Logger
	now    func() time.Time
	tpl    map[string]*template.Template
	assets map[string]*staticAsset
	// printer makes "Unduh PDF" with the machine's Chromium.
	printer *pdf.Printer
}

// pageNames are the templates in web/templates, each rendered inside layout.
var pageNames = []string{"login", "error", "board", "office", "province", "national", "status", "report", "monthly", "admin", "settings", "incident"}

// New parses the templates once; a template that does not parse is a
// programming error caught by every test, so it panics.
func New(store *postgres.Store, guard *auth.Guard, log *slog.Logger, now func() time.Time) *Pages {
	p := &Pages{store: store, guard: guard, log: log, now: now, tpl: map[string]*template.Template{}, printer: pdf.New(pdf.DefaultChromium)}
	assets, err := loadStatic(web.Static())
	if err != nil {
		panic(err)
	}
	p.assets = assets
	funcs := templateFuncs()
	funcs["asset"] = p.AssetURL
	tfs := web.Templates()
	for _, name := range pageNames {
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(tfs, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
		p.tpl[name] = t
	}
	return p
}

// reports is the report layer over the pages' store and clock.
func (p *Pages) reports() *reportdata.Builder { return reportdata.New(p.store, p.now) }

// view is what every template receives.
type view struct {
	Lang    string
	Title   string
	User    *api.User
	CSRF    string
	Path    string
	Now     time.Time
	Scope   auth.Scope
	Data    any
	ECharts string // URL of echarts.min.js, when the page has charts
	// PrintLandscape prints on A4 landscape: the province and national
	// pages and reports, whose heatmaps run a day a column.
	PrintLandscape bool
	// TZ is the zone the whole page is written in, header and footer
	// included: an office's zone on its pages, a province's on its own,
	// the viewer's own region's on the others (viewerZone).
	TZ string
}

// render writes page name with data; the title is a message key.
func (p *Pages) render(c *gin.Context, status int, name, title string, data any) error {
	body, err := p.page(c, name, title, data)
	if err != nil {
		return err
	}
	c.Header("Cache-Control", "no-store")
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	// Everything a page needs is Pantau's own: the policy makes a CDN
	// script impossible, not merely absent. Inline scripts and styles stay
	// allowed because go-echarts writes its chart setup inline.
	c.Header("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Data(status, "text/html; charset=utf-8", body)
	return nil
}

// page renders page name for the request's user, as render sends it.
func (p *Pages) page(c *gin.Context, name, title string, data any) ([]byte, error) {
	v := view{Lang: auth.LangOf(c), Path: c.Request.URL.Path, Now: p.now(), Data: data}
	if sess := auth.SessionOf(c); sess != nil {
		v.User, v.CSRF, v.Scope = &sess.User, sess.CSRFToken, auth.ScopeOfUser(sess.User)
	}
	if pageZone(data) == "" {
		v.TZ = p.viewerZone(c.Request.Context(), auth.ScopeOf(c))
	}
	return p.execute(name, title, v)
}

// execute renders page name with v outside any request (monthly reports).
func (p *Pages) execute(name, title string, v view) ([]byte, error) {
	t, ok := p.tpl[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	v.Title = web.T(v.Lang, title)
	v.ECharts = web.EChartsHost + "echarts.min.js"
	pv, isPrint := v.Data.(printView)
	v.PrintLandscape = name == "province" || name == "national" || (isPrint && pv.Kind == "province")
	if tz := pageZone(v.Data); tz != "" {
		v.TZ = tz
	}
	if v.TZ == "" {
		v.TZ = wib
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// Page adapts a page handler: its error becomes an error page with the
// status the one mapper gives the error's code (JSON under /api/).
func (p *Pages) Page(h httperr.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			p.guard.Fail(c, err)
		}
	}
}

// RenderError writes the error page; internal errors are logged and shown
// plainly.
func (p *Pages) RenderError(c *gin.Context, err error) {
	code := api.ErrorCode(err)
	status := httperr.Status(code)
	if code == api.EInternal {
		p.log.ErrorContext(c.Request.Context(), "page failed", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	msg := api.ErrorMessage(err)
	switch status {
	case http.StatusNotFound:
		msg = web.T(auth.LangOf(c), "error.notfound")
	}
	if rerr := p.render(c, status, "error", "error.title", map[string]any{"Status": status, "Message": msg}); rerr != nil {
		c.String(status, "%s", msg)
	}
	c.Abort()
}

func itoa(n int) string { return strconv.Itoa(n) }

// formatRupiah writes whole rupiah with dots between thousands: Rp 1.250.000
// (web/format, shared with letters, exports and Slack).
func formatRupiah(n int64) string { return format.Rupiah(format.ID, n) }

// pageZone is the zone a page's data is about; "" for pages about no one
// place, which are written in the viewer's zone.
func pageZone(data any) string {
	switch d := data.(type) {
	case *officeDetail:
		return d.Office.TZ
	case settingsView:
		return d.Office.TZ
	case *provinceDetail:
		return d.Province.TZ
	case *incidentView:
		return d.TZ
	case publicStatus:
		return d.TZ
	case *publicStatus:
		return d.TZ
	case printView:
		if d.Office != nil {
			return d.Office.Office.TZ
		}
		if d.Province != nil {
			return d.Province.Province.TZ
		}
	}
	return ""
}
