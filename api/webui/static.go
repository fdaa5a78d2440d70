package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/web"
)

// staticAsset is one embedded file, read and compressed once at start.
type staticAsset struct {
	body, gz []byte // gz is nil when compressing does not pay (images)
	ctype    string
	etag     string // a strong validator: the content's SHA-256
	version  string // short hash for ?v= in links
}

// loadStatic reads every embedded asset. The assets are part of the binary,
// so a file that cannot be read is a programming error.
func loadStatic(fsys fs.FS) (map[string]*staticAsset, error) {
	out := map[string]*staticAsset{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("read static %s: %w", name, err)
		}
		sum := sha256.Sum256(body)
		a := &staticAsset{body: body, ctype: mime.TypeByExtension(path.Ext(name)), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, version: hex.EncodeToString(sum[:6])}
		if a.ctype == "" {
			a.ctype = http.DetectContentType(body)
		}
		if compressible(a.ctype) {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
			if _, err := zw.Write(body); err != nil {
				return fmt.Errorf("compress static %s: %w", name, err)
			}
			if err := zw.Close(); err != nil {
				return fmt.Errorf("compress static %s: %w", name, err)
			}
			if buf.Len() < len(body) {
				a.gz = buf.Bytes()
			}
		}
		out[name] = a
		return nil
	})
	return out, err
}

// compressible says whether a body of this type shrinks under gzip; images
// other than SVG, archives (XLSX) and PDF are compressed already.
func compressible(ctype string) bool {
	t, _, _ := strings.Cut(ctype, ";")
	t = strings.TrimSpace(strings.ToLower(t))
	switch {
	case strings.HasPrefix(t, "text/"):
		return true
	case t == "application/json", t == "application/javascript", t == "application/xml", t == "image/svg+xml":
		return true
	}
	return false
}

// AssetURL is an asset's link with its content hash, so the browser may
// keep it for a year and a new release is fetched at once.
func (p *Pages) AssetURL(name string) string {
	if a, ok := p.assets[name]; ok {
		return web.StaticPrefix + name + "?v=" + a.version
	}
	return web.StaticPrefix + name
}

// ServeStatic serves the embedded assets, gzipped when the browser accepts
// it. A link carrying the asset's content hash (AssetURL), and ECharts'
// directory which carries its version, are kept for a year; any other is
// revalidated with its ETag.
func (p *Pages) ServeStatic(c *gin.Context) {
	name := strings.TrimPrefix(c.Param("filepath"), "/")
	a, ok := p.assets[name]
	if !ok {
		p.guard.Fail(c, api.Errorf(api.ENotFound, "no static file %q", name))
		return
	}
	h := c.Writer.Header()
	switch {
	case c.Query("v") == a.version, strings.HasPrefix(web.StaticPrefix+name, web.EChartsHost):
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	default:
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	h.Set("ETag", a.etag)
	h.Set("Content-Type", a.ctype)
	h.Set("X-Content-Type-Options", "nosniff")
	if a.gz != nil {
		h.Add("Vary", "Accept-Encoding")
	}
	if inm := c.GetHeader("If-None-Match"); inm != "" && etagMatch(inm, a.etag) {
		c.Status(http.StatusNotModified)
		c.Writer.WriteHeaderNow()
		return
	}
	body := a.body
	if a.gz != nil && AcceptsGzip(c.Request.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	c.Header("Content-Length", fmt.Sprint(len(body)))
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		c.Writer.WriteHeaderNow()
		return
	}
	_, _ = c.Writer.Write(body) // a client gone away is not our error
}

// etagMatch reads an If-None-Match list (weak validators compare by
// their opaque part, as RFC 9110 says for this header).
func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// AcceptsGzip reads an Accept-Encoding header: gzip (or *) with a weight
// above 0.
func AcceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if coding = strings.TrimSpace(coding); !strings.EqualFold(coding, "gzip") && coding != "*" {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(strings.TrimSpace(params), " ", ""), "q=")
		if !ok {
			return true
		}
		w, err := strconv.ParseFloat(q, 64)
		return err == nil && w > 0
	}
	return false
}

// NotFound is the answer to an unknown URL: the styled Indonesian error
// page for a browser, JSON under /api/.
func (p *Pages) NotFound(c *gin.Context) error {
	return api.Errorf(api.ENotFound, "no route for %s %s", c.Request.Method, c.Request.URL.Path)
}
