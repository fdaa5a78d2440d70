package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// webFixture is a server on a fresh database with two provinces, three
// offices and one user per role and scope, each with a live session.
type webFixture struct {
	store    *postgres.Store
	srv      *httptest.Server
	server   *server.Server
	sessions map[string]webSession // by user key: staff71, city71, city72, prov73, prov76, national, admin
	now      time.Time
}

type webSession struct {
	token, csrf string
	user        api.User
}

const testPassword = "kata-sandi-rahasia"

func newWebFixture(t *testing.T) *webFixture {
	t.Helper()
	ctx := context.Background()
	store := pgtest.Store(t)
	err := store.UpsertRegions(ctx, []api.Province{
		{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"},
		{Code: "76", Name: "Sulawesi Barat", TZ: "Asia/Makassar"},
	}, []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "76.01", Name: "Kabupaten Majene", ProvinceCode: "76", Kind: "kabupaten", TZ: "Asia/Makassar"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, office := range []string{"73.71", "73.72", "76.01"} {
		for _, kind := range []probe.TargetKind{probe.KindCentral, probe.KindInternet} {
			spec := probe.Target{Name: string(kind) + "-" + office, Kind: kind, Check: probe.CheckTCP, Address: "127.0.0.1:1"}
			if _, err := store.CreateTarget(ctx, api.Target{OfficeCode: office, Spec: spec}); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{}, store, slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelError})), reg, reg, server.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(validating(t, h))
	t.Cleanup(srv.Close)
	f := &webFixture{store: store, srv: srv, server: h, sessions: map[string]webSession{}, now: now}
	users := map[string]api.NewUser{
		"staff71":  {Role: api.RoleOfficeStaff, OfficeCode: "73.71"},
		"staff72":  {Role: api.RoleOfficeStaff, OfficeCode: "73.72"},
		"city71":   {Role: api.RoleCityOfficial, OfficeCode: "73.71"},
		"city72":   {Role: api.RoleCityOfficial, OfficeCode: "73.72"},
		"prov73":   {Role: api.RoleProvincialOfficial, ProvinceCode: "73"},
		"prov76":   {Role: api.RoleProvincialOfficial, ProvinceCode: "76"},
		"national": {Role: api.RoleNationalOperator},
		"admin":    {Role: api.RoleAdmin},
	}
	// One argon2id hash for every user: hashing is deliberately slow, and
	// the tests are about sessions and scope, not the hash.
	var hash string
	for _, key := range []string{"staff71", "staff72", "city71", "city72", "prov73", "prov76", "national", "admin"} {
		nu := users[key]
		nu.Email, nu.Password = key+"@pantau.test", testPassword
		var u api.User
		if hash == "" {
			if u, err = store.CreateUser(ctx, nu); err != nil {
				t.Fatalf("create %s: %v", key, err)
			}
			store.Pool().QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, u.ID).Scan(&hash)
		} else {
			u = api.User{Email: nu.Email, Role: nu.Role, OfficeCode: nu.OfficeCode, ProvinceCode: nu.ProvinceCode}
			err := store.Pool().QueryRow(ctx, `INSERT INTO users (email, role, office_code, province_code, password_hash)
				VALUES ($1, $2, nullif($3, ''), nullif($4, ''), $5) RETURNING id`, u.Email, u.Role, u.OfficeCode, u.ProvinceCode, hash).Scan(&u.ID)
			if err != nil {
				t.Fatalf("create %s: %v", key, err)
			}
		}
		token, sess, err := store.CreateSession(ctx, u, now, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.sessions[key] = webSession{token: token, csrf: sess.CSRFToken, user: u}
	}
	return f
}

// client returns a client that does not follow redirects (a redirect to
// the login form is a result to check, not to follow).
func (f *webFixture) client() *http.Client {
	c := *clientWithTimeout(f.srv)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// do sends a request as user key ("" for anonymous); form, when not nil,
// is posted, with the user's CSRF token unless noCSRF.
func (f *webFixture) do(t *testing.T, key, method, path string, form url.Values, noCSRF bool) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	sess, hasSession := f.sessions[key]
	if form != nil {
		if !noCSRF && hasSession {
			form.Set("csrf", sess.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if method == http.MethodDelete && !noCSRF && hasSession {
			// Go parses no form body of a DELETE: the token goes in the header.
			req.Header.Set("X-CSRF-Token", sess.csrf)
		}
	}
	if hasSession {
		req.AddCookie(&http.Cookie{Name: "pantau_session", Value: sess.token})
	}
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// testLog sends the server's error log to the test's log.
type testLog struct{ t *testing.T }

func (w testLog) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}
