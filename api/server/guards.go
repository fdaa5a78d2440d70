package server

import (
	"crypto/subtle"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/httperr"
)

// Request-wide guards: what every route gets before its handler, so no
// handler can forget them.

// securityHeaders puts the same policy on every answer, page, JSON or file:
// nothing framed, no sniffing, only Pantau's own scripts and styles (inline
// ones stay allowed: go-echarts writes its chart set-up inline), and
// nothing but the static assets kept by a cache, since reports and pages
// carry figures of a scope.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "+
			"img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		if !strings.HasPrefix(c.Request.URL.Path, "/static/") {
			h.Set("Cache-Control", "no-store")
		}
		c.Next()
	}
}

// Bounds of what a request may carry outside its body.
const (
	maxHeaderValue = 8 << 10
	maxFormBody    = 1 << 20
)

// dateParams are the query and form fields that hold a date or time; their
// year must be within api.MinDate..api.MaxDate, so "?to=0001-01-01" is a
// 400 naming "to" on every route, not a 500 from wherever it lands.
var dateParams = map[string]bool{"from": true, "to": true, "date": true, "assume_end": true,
	"starts_at": true, "ends_at": true, "month": true, "day": true}

// checkInput refuses, with a 400 naming the field, any path parameter,
// query parameter, header or urlencoded form field that is not valid UTF-8,
// holds a NUL, or is longer than its bound, before any handler (or
// PostgreSQL, which answers such text with an error) sees it. JSON and
// multipart bodies are the handlers' (and the store's) to check.
func (s *Server) checkInput() gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.inputError(c); err != nil {
			httperr.Write(c, s.log, err)
			return
		}
		c.Next()
	}
}

func (s *Server) inputError(c *gin.Context) error {
	if err := api.CheckText("path", c.Request.URL.Path, api.MaxParam); err != nil {
		return err
	}
	for _, p := range c.Params {
		if err := api.CheckLine(p.Key, p.Value, api.MaxParam); err != nil {
			return err
		}
	}
	q, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return api.FieldErrorf("query", "not a valid query string")
	}
	if err := checkValues(q, "query"); err != nil {
		return err
	}
	for name, vs := range c.Request.Header {
		for _, v := range vs {
			if err := api.CheckText(name, v, maxHeaderValue); err != nil {
				return err
			}
		}
	}
	if mt, _, _ := mime.ParseMediaType(c.ContentType()); mt == "application/x-www-form-urlencoded" {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
		if err := c.Request.ParseForm(); err != nil {
			if strings.Contains(err.Error(), "too large") {
				return api.Errorf(api.ETooLarge, "form is larger than %d bytes", maxFormBody)
			}
			return api.FieldErrorf("body", "not a valid form")
		}
		if err := checkValues(c.Request.PostForm, "form"); err != nil {
			return err
		}
	}
	return nil
}

// checkValues checks every key and value of a query or form.
func checkValues(vs map[string][]string, what string) error {
	for k, list := range vs {
		if err := api.CheckLine(what, k, api.MaxName); err != nil {
			return api.FieldErrorf(what, "a field name is not valid UTF-8 text, holds a NUL or control character, or is too long")
		}
		for _, v := range list {
			if err := api.CheckText(k, v, api.MaxText); err != nil {
				return err
			}
			if dateParams[k] {
				if err := checkYear(k, v); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// checkYear bounds the year of a value that starts with one (2020-01-08,
// 2020-01-08T07:00, 2020-01).
func checkYear(field, v string) error {
	v = strings.TrimSpace(v)
	if len(v) < 5 || v[4] != '-' {
		return nil
	}
	y, err := strconv.Atoi(v[:4])
	if err != nil {
		return nil
	}
	if y < api.MinDate.Year || y > api.MaxDate.Year {
		return api.FieldErrorf(field, "the year %d is outside %d to %d", y, api.MinDate.Year, api.MaxDate.Year)
	}
	return nil
}

// knownMethods are the methods metrics label by name; any other is
// "other", so made-up methods cannot grow the series.
var knownMethods = map[string]bool{http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true}

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "other"
}

// metricsAuth requires `Authorization: Bearer <token>` when token is set.
func metricsAuth(token string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if token == "" {
			c.Next()
			return
		}
		got, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			c.Header("WWW-Authenticate", `Bearer realm="pantau metrics"`)
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": gin.H{"code": api.EUnauthorized,
				"message": fmt.Sprintf("metrics need %s", "Authorization: Bearer <the -metrics-token>")}})
			return
		}
		c.Next()
	}
}
