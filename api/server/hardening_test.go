package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// routePath fills a route template's parameters with good values.
func routePath(tpl string) string {
	good := map[string]string{":code": "73.71", ":office": "73.71", ":id": "1", ":kind": "office", ":ref": "73.71",
		":month": "2026-11", ":format": "csv", "*filepath": "/app.css"}
	parts := strings.Split(tpl, "/")
	for i, p := range parts {
		if v, ok := good[p]; ok {
			parts[i] = strings.TrimPrefix(v, "/")
		}
	}
	return strings.Join(parts, "/")
}

// badPath puts raw into the route's first parameter, or "" if it has none.
func badPath(tpl, raw string) string {
	parts := strings.Split(tpl, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") || strings.HasPrefix(p, "*") {
			parts[i] = raw
			filled := strings.Join(parts, "/")
			return routePath(filled)
		}
	}
	return ""
}

// Every route of the table, as anonymous and as an admin with a session:
// a NUL or invalid UTF-8 byte in a path parameter, a query parameter, a
// header or a form field, and a date out of range, is a 400 naming the
// field — never a 500, never the handler.
func TestBadBytesOnEveryRoute(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	type variant struct {
		name   string
		path   func(tpl string) string
		header [2]string
		form   string
		field  string
	}
	variants := []variant{
		{name: "path %00", path: func(tpl string) string { return badPath(tpl, "73%00") }, field: ""},
		{name: "path %FF", path: func(tpl string) string { return badPath(tpl, "73%FF") }, field: ""},
		{name: "office=%00", path: func(tpl string) string { return routePath(tpl) + "?office=%00" }, field: "office"},
		{name: "province=%FF", path: func(tpl string) string { return routePath(tpl) + "?province=%FF" }, field: "province"},
		{name: "to=0001-01-01", path: func(tpl string) string { return routePath(tpl) + "?to=0001-01-01" }, field: "to"},
		{name: "from=9999-12-31", path: func(tpl string) string { return routePath(tpl) + "?from=9999-12-31T00:00:00Z" }, field: "from"},
		{name: "token \\xff", path: routePath, header: [2]string{"Authorization", "Bearer pt_73.71_1_\xff"}, field: "Authorization"},
		{name: "header \\xff", path: routePath, header: [2]string{"X-Probe-Name", "pc-\xfe\xff"}, field: "X-Probe-Name"},
		{name: "form email=%00", path: routePath, form: "email=%00&password=x", field: "email"},
		{name: "form reason \\xff", path: routePath, form: "reason=%FF", field: "reason"},
	}
	var requests int
	for _, rt := range f.server.Routes() {
		for _, v := range variants {
			p := v.path(rt[1])
			// Go reads a form body only on POST, PUT and PATCH; no handler reads one elsewhere.
			if p == "" || v.form != "" && rt[0] != http.MethodPost && rt[0] != http.MethodPut && rt[0] != http.MethodPatch {
				continue
			}
			for _, who := range []string{"", "admin"} {
				name := fmt.Sprintf("%s %s %s as %q", rt[0], rt[1], v.name, who)
				var body io.Reader
				if v.form != "" {
					body = strings.NewReader(v.form)
				}
				req, err := http.NewRequest(rt[0], f.srv.URL+p, body)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if v.form != "" {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				if v.header[0] != "" {
					req.Header.Set(v.header[0], v.header[1])
				}
				if who != "" {
					req.AddCookie(&http.Cookie{Name: "pantau_session", Value: f.sessions[who].token})
				}
				resp, err := f.client().Do(req)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				requests++
				var e probe.ErrorBody
				_ = json.Unmarshal(b, &e)
				if resp.StatusCode != http.StatusBadRequest || e.Error.Code != api.EInvalid || v.field != "" && e.Error.Field != v.field {
					t.Errorf("%s: %d %.200s; want 400 naming %q", name, resp.StatusCode, b, v.field)
				}
			}
		}
	}
	if requests < 2*len(f.server.Routes())*4 {
		t.Fatalf("only %d requests over %d routes", requests, len(f.server.Routes()))
	}
}

// next after a login goes only to a path of this site.
func TestLoginNextIsALocalPath(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	tests := []struct{ next, want string }{
		{"/offices/73.71", "/offices/73.71"},
		{"/reports/monthly?x=1", "/reports/monthly?x=1"},
		{"/\t/evil.example", "/"},
		{"/\n/evil.example", "/"},
		{"//evil.example", "/"},
		{"/\\evil.example", "/"},
		{"\\\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"javascript:alert(1)", "/"},
		{"/%09/evil.example", "/%09/evil.example"},
		{" /evil", "/"},
		{"", "/"},
	}
	for _, tc := range tests {
		c := f.client()
		jar, _ := cookiejar.New(nil)
		c.Jar = jar
		token := loginForm(t, f, c)
		resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"csrf": {token}, "email": {"admin@pantau.test"},
			"password": {testPassword}, "next": {tc.next}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != tc.want {
			t.Errorf("next %q: %d Location %q, want %q", tc.next, resp.StatusCode, resp.Header.Get("Location"), tc.want)
		}
	}
}

// The login form's double-submit token must be one the server made: a
// cookie and field the caller picks are refused before any hashing.
func TestLoginCSRFTokenIsTheServers(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/login", strings.NewReader(url.Values{"csrf": {"mine"},
		"email": {"admin@pantau.test"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "pantau_csrf", Value: "mine"})
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("self-made login token: %d, want 403", resp.StatusCode)
	}
}

// A script's API token: Authorization: Bearer, no CSRF, the same roles and
// scope as a user, refusals that say what would do.
func TestAPITokens(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	ctx := context.Background()
	mk := func(name, role, office, province string) string {
		_, tok, err := f.store.CreateAPIToken(ctx, api.NewAPIToken{Name: name, Role: role, OfficeCode: office, ProvinceCode: province})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	staff := mk("sensus-7371", api.RoleOfficeStaff, "73.71", "")
	city := mk("kota-7371", api.RoleCityOfficial, "73.71", "")
	prov := mk("dasbor-73", api.RoleProvincialOfficial, "", "73")
	do := func(token, method, path, ct, body string) (int, string, http.Header) {
		req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
		if ct != "" {
			req.Header.Set("Content-Type", ct)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := f.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	day := `{"intake":[{"date":"2026-11-30","type":"KK","received":12}]}`
	if st, b, _ := do(staff, "POST", "/api/v1/offices/73.71/intake", "application/json", day); st != http.StatusOK || !strings.Contains(b, `"written":1`) {
		t.Fatalf("staff token posts intake without CSRF: %d %s", st, b)
	}
	if st, b, _ := do(city, "POST", "/api/v1/offices/73.71/intake", "application/json", day); st != http.StatusForbidden ||
		!strings.Contains(b, "office_staff") || !strings.Contains(b, "city_official") {
		t.Fatalf("city token writing intake: %d %s; want 403 naming the role needed and the token's", st, b)
	}
	if st, _, _ := do(staff, "GET", "/api/v1/offices/73.72/intake", "", ""); st != http.StatusNotFound {
		t.Fatalf("staff token of 73.71 reading 73.72: %d, want 404", st)
	}
	st, b, h := do(prov, "GET", "/api/v1/provinces/73/report?format=csv&table=offices&from=2026-11-01&to=2026-11-30", "", "")
	if st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(b, "73.71") {
		t.Fatalf("province token pulling its report as CSV: %d %s %.200s", st, h.Get("Content-Type"), b)
	}
	if st, _, _ := do(prov, "GET", "/api/v1/provinces/76/report", "", ""); st != http.StatusNotFound && st != http.StatusForbidden {
		t.Fatalf("province 73's token reading province 76: %d", st)
	}
	if st, b, _ := do(prov, "GET", "/api/v1/national/report", "", ""); st != http.StatusForbidden || !strings.Contains(b, "national_operator") {
		t.Fatalf("province token on the national report: %d %s", st, b)
	}
	for _, bad := range []string{staff + "x", "pat_1_" + strings.Repeat("0", 64), "pt_73.71_1_" + strings.Repeat("0", 64), ""} {
		if st, _, _ := do(bad, "GET", "/api/v1/offices", "", ""); st != http.StatusUnauthorized {
			t.Errorf("token %q: %d, want 401", bad, st)
		}
	}
	toks, _ := f.store.APITokens(ctx)
	for _, tk := range toks {
		if tk.Name == "sensus-7371" {
			if tk.LastUsedAt == nil {
				t.Error("the staff token's use was not recorded")
			}
			if err := f.store.RevokeAPIToken(ctx, tk.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	if st, _, _ := do(staff, "POST", "/api/v1/offices/73.71/intake", "application/json", day); st != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d, want 401", st)
	}
}

// The same security headers on every kind of answer, and nothing but static
// assets cached.
func TestSecurityHeadersEverywhere(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	for _, tc := range []struct{ who, path string }{
		{"", "/login"}, {"", "/healthz"}, {"", "/status/73.71"}, {"admin", "/"}, {"admin", "/api/v1/offices"},
		{"admin", "/api/v1/offices/73.71/report?from=2026-11-01&to=2026-11-30"}, {"admin", "/reports/monthly"},
		{"admin", "/reports/offices/73.71?from=2026-11-01&to=2026-11-30"}, {"", "/api/v1/offices"}, {"", "/no/such/page"},
	} {
		resp, _ := f.do(t, tc.who, http.MethodGet, tc.path, nil, false)
		h := resp.Header
		if !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") || h.Get("X-Frame-Options") != "DENY" ||
			h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s (%d): CSP %q, XFO %q, nosniff %q, cache %q", tc.path, resp.StatusCode, h.Get("Content-Security-Policy"),
				h.Get("X-Frame-Options"), h.Get("X-Content-Type-Options"), h.Get("Cache-Control"))
		}
	}
}

// Made-up methods cannot grow /metrics, and a metrics token is required
// when set.
func TestMetricsBoundedAndGuarded(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	lines := func(h http.Handler, url, token string) int {
		req := httptest.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return -rec.Code
		}
		return bytes.Count(rec.Body.Bytes(), []byte("\n"))
	}
	before := lines(f.server, "/metrics", "")
	for i := range 200 {
		req, _ := http.NewRequest(fmt.Sprintf("X%dMETHOD", i), f.srv.URL+"/api/v1/offices", nil)
		resp, err := f.client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	after := lines(f.server, "/metrics", "")
	if after-before > 100 {
		t.Fatalf("/metrics grew from %d to %d lines after 200 made-up methods", before, after)
	}
	resp, body := f.do(t, "", http.MethodGet, "/metrics", nil, false)
	if resp.StatusCode != http.StatusOK || !regexp.MustCompile(`method="other"`).MatchString(body) {
		t.Fatalf("metrics: %d, no method=\"other\" series", resp.StatusCode)
	}

	reg := prometheus.NewRegistry()
	guarded := server.New(server.Config{Metrics: server.MetricsConfig{Token: "rahasia"}}, f.store, slog.New(slog.DiscardHandler), reg, reg)
	if n := lines(guarded, "/metrics", ""); n != -http.StatusUnauthorized {
		t.Fatalf("metrics without the token: %d", n)
	}
	if n := lines(guarded, "/metrics", "rahasia"); n <= 0 {
		t.Fatalf("metrics with the token: %d", n)
	}
	reg2 := prometheus.NewRegistry()
	own := server.New(server.Config{Metrics: server.MetricsConfig{OwnListener: true}}, f.store, slog.New(slog.DiscardHandler), reg2, reg2)
	if n := lines(own, "/metrics", ""); n != -http.StatusNotFound {
		t.Fatalf("metrics on the main address with -metrics-addr: %d, want 404", n)
	}
	if n := lines(own.MetricsHandler(), "/metrics", ""); n <= 0 {
		t.Fatalf("metrics on their own handler: %d", n)
	}
}

// The admin page makes an API token (shown once), lists it and revokes it.
func TestAdminPageTokens(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	resp, body := f.do(t, "admin", http.MethodPost, "/admin/tokens", url.Values{"name": {"dasbor-73"}, "role": {"provincial_official"}, "province": {"73"}}, false)
	token := regexp.MustCompile(`pat_\d+_[0-9a-f]{64}`).FindString(body)
	if resp.StatusCode != http.StatusCreated || token == "" {
		t.Fatalf("add token: %d %.300s", resp.StatusCode, body)
	}
	if st, _ := apiDo(t, f, "", "GET", "/api/v1/provinces/73/report", "", nil); st != http.StatusUnauthorized {
		t.Fatalf("anonymous: %d", st)
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/provinces/73/report?from=2026-11-01&to=2026-11-30", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	r, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Fatalf("the page's token on its province's report: %d", r.StatusCode)
	}
	_, page := f.do(t, "admin", http.MethodGet, "/admin", nil, false)
	if strings.Contains(page, token) || !strings.Contains(page, "dasbor-73") {
		t.Fatal("the admin page shows the token again, or does not list it")
	}
	if resp, body := f.do(t, "admin", http.MethodPost, "/admin/tokens", url.Values{"name": {"x"}, "role": {"office_staff"}}, false); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a staff token without office: %d %.200s", resp.StatusCode, body)
	}
	if resp, _ := f.do(t, "city71", http.MethodPost, "/admin/tokens", url.Values{"name": {"y"}, "role": {"admin"}}, false); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a city official making a token: %d", resp.StatusCode)
	}
	id := regexp.MustCompile(`pat_(\d+)_`).FindStringSubmatch(token)[1]
	if resp, _ := f.do(t, "admin", http.MethodPost, "/admin/tokens/revoke", url.Values{"id": {id}}, false); resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	r, err = f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the revoked token: %d", r.StatusCode)
	}
}
