package server

import (
	"compress/gzip"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api/webui"
)

// gzipPool keeps gzip writers between responses: each holds a few hundred
// kilobytes of compressor state.
type gzipPool struct{ p sync.Pool }

func newGzipPool() *gzipPool {
	return &gzipPool{p: sync.Pool{New: func() any {
		zw, _ := gzip.NewWriterLevel(io.Discard, gzip.DefaultCompression) // the level is valid
		return zw
	}}}
}

// compress gzips pages, JSON and CSV for clients that accept it. The choice
// is made at the first byte, from the response's own headers: a body that
// is already encoded (static assets are gzipped ahead, /metrics by its
// library), of a compressed type (XLSX, PNG, PDF), a partial one, or one
// without a body is passed through untouched.
func (gp *gzipPool) compress() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Method == http.MethodHead || !webui.AcceptsGzip(c.Request.Header.Get("Accept-Encoding")) {
			c.Next()
			return
		}
		w := &gzipWriter{ResponseWriter: c.Writer, pool: gp}
		c.Writer = w
		defer w.finish()
		c.Next()
	}
}

// gzipWriter decides at the first write whether to compress.
type gzipWriter struct {
	gin.ResponseWriter
	pool    *gzipPool
	decided bool
	zw      *gzip.Writer
}

func (w *gzipWriter) decide(first []byte) {
	w.decided = true
	h := w.ResponseWriter.Header()
	ctype := h.Get("Content-Type")
	if ctype == "" {
		ctype = http.DetectContentType(first)
		h.Set("Content-Type", ctype)
	}
	st := w.ResponseWriter.Status()
	if h.Get("Content-Encoding") != "" || h.Get("Content-Range") != "" || st == http.StatusPartialContent ||
		st == http.StatusNoContent || st == http.StatusNotModified || !compressibleType(ctype) {
		return
	}
	if n, err := strconv.Atoi(h.Get("Content-Length")); err == nil && n < 256 {
		return // too small to gain anything
	}
	h.Del("Content-Length")
	h.Set("Content-Encoding", "gzip")
	h.Add("Vary", "Accept-Encoding")
	zw := w.pool.p.Get().(*gzip.Writer)
	zw.Reset(w.ResponseWriter)
	w.zw = zw
}

// Write compresses or passes p through.
func (w *gzipWriter) Write(p []byte) (int, error) {
	if !w.decided {
		w.decide(p)
	}
	if w.zw == nil {
		return w.ResponseWriter.Write(p)
	}
	return w.zw.Write(p)
}

// WriteString is Write for gin's string renderers.
func (w *gzipWriter) WriteString(s string) (int, error) { return w.Write([]byte(s)) }

// Flush pushes what is compressed so far to the client.
func (w *gzipWriter) Flush() {
	if w.zw != nil {
		_ = w.zw.Flush() // the client's write error shows on the next write
	}
	w.ResponseWriter.Flush()
}

// finish closes the gzip stream and returns its writer to the pool.
func (w *gzipWriter) finish() {
	if w.zw == nil {
		return
	}
	_ = w.zw.Close() // the response is over; a client gone away is not our error
	w.zw.Reset(io.Discard)
	w.pool.p.Put(w.zw)
	w.zw = nil
}

// compressibleType says whether a body of this type shrinks under gzip.
func compressibleType(ctype string) bool {
	t, _, _ := strings.Cut(ctype, ";")
	t = strings.TrimSpace(strings.ToLower(t))
	return strings.HasPrefix(t, "text/") || t == "application/json" || t == "application/javascript" ||
		t == "application/xml" || t == "image/svg+xml" || t == "application/problem+json"
}
