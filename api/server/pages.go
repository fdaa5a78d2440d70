package server

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/format"
)

// pages serves the web pages: the server they read through, the parsed
// templates, and their configuration.
type pages struct {
	s      *Server
	cfg    WebConfig
	tpl    map[string]*template.Template
	static http.Handler
}

// pageNames are the templates in web/templates, each rendered inside layout.
var pageNames = []string{"login", "error", "board", "office", "province", "national", "status", "report", "monthly", "admin"}

// newPages parses the templates once; a template that does not parse is a
// programming error caught by every test, so it panics.
func (s *Server) newPages(cfg WebConfig) *pages {
	p := &pages{s: s, cfg: cfg.withDefaults(), tpl: map[string]*template.Template{}}
	funcs := templateFuncs()
	tfs := web.Templates()
	for _, name := range pageNames {
		t := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(tfs, "templates/layout.html", "templates/partials.html", "templates/"+name+".html"))
		p.tpl[name] = t
	}
	p.static = http.StripPrefix(web.StaticPrefix, http.FileServer(http.FS(web.Static())))
	return p
}

// view is what every template receives.
type view struct {
	Lang    string
	Title   string
	User    *api.User
	CSRF    string
	Path    string
	Now     time.Time
	Scope   scope
	Data    any
	ECharts string // URL of echarts.min.js, when the page has charts
}

// render writes page name with data; the title is a message key.
func (p *pages) render(c *gin.Context, status int, name, title string, data any) error {
	v := view{Lang: langOf(c), Path: c.Request.URL.Path, Now: p.s.now(), Data: data}
	if sess := sessionOf(c); sess != nil {
		v.User, v.CSRF, v.Scope = &sess.User, sess.CSRFToken, scopeOf(sess.User)
	}
	body, err := p.execute(name, title, v)
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

// execute renders page name with v outside any request (monthly reports).
func (p *pages) execute(name, title string, v view) ([]byte, error) {
	t, ok := p.tpl[name]
	if !ok {
		return nil, fmt.Errorf("no template %q", name)
	}
	v.Title = web.T(v.Lang, title)
	v.ECharts = web.EChartsHost + "echarts.min.js"
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// page adapts a page handler: its error becomes an error page with the
// status the one mapper gives the error's code.
func (p *pages) page(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			p.fail(c, err)
		}
	}
}

// renderError writes the error page; internal errors are logged and shown
// plainly.
func (p *pages) renderError(c *gin.Context, err error) {
	code := api.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == api.EInternal {
		p.s.log.ErrorContext(c.Request.Context(), "page failed", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	msg := api.ErrorMessage(err)
	switch status {
	case http.StatusNotFound:
		msg = web.T(langOf(c), "error.notfound")
	}
	if rerr := p.render(c, status, "error", "error.title", map[string]any{"Status": status, "Message": msg}); rerr != nil {
		c.String(status, "%s", msg)
	}
	c.Abort()
}

// serveStatic serves the embedded assets; they are versioned by path (the
// ECharts directory carries its version) so they may be cached for a day.
func (p *pages) serveStatic(c *gin.Context) {
	if st, err := fs.Stat(web.Static(), c.Param("filepath")[1:]); err != nil || st.IsDir() {
		c.Status(http.StatusNotFound)
		return
	}
	c.Header("Cache-Control", "public, max-age=86400")
	p.static.ServeHTTP(c.Writer, c.Request)
}

func itoa(n int) string { return strconv.Itoa(n) }

// formatRupiah writes whole rupiah with dots between thousands: Rp 1.250.000
// (web/format, shared with letters, exports and Slack).
func formatRupiah(n int64) string { return format.Rupiah(format.ID, n) }
