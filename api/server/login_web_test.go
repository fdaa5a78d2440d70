package server_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api"
)

// loginForm fetches the login form and returns its CSRF token; the jar
// keeps the double-submit cookie.
func loginForm(t *testing.T, f *webFixture, c *http.Client) string {
	t.Helper()
	resp, err := c.Get(f.srv.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	page := b.String()
	const marker = `name="csrf" value="`
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("login form without a CSRF field: %.500s", page)
	}
	rest := page[i+len(marker):]
	return rest[:strings.Index(rest, `"`)]
}

func jarClient(t *testing.T, f *webFixture) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := f.client()
	c.Jar = jar
	return c
}

func TestLoginSessionAndLogout(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	c := jarClient(t, f)
	token := loginForm(t, f, c)
	resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"csrf": {token}, "email": {"City71@pantau.test"}, "password": {testPassword}, "next": {"/offices/73.71"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/offices/73.71" {
		t.Fatalf("login: %d to %q, want 303 to /offices/73.71", resp.StatusCode, resp.Header.Get("Location"))
	}
	var sess *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "pantau_session" {
			sess = ck
		}
	}
	if sess == nil || !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Secure {
		t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, not Secure over plain HTTP", sess)
	}
	resp, err = c.Get(f.srv.URL + "/offices/73.71")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("office page after login: %d", resp.StatusCode)
	}
	// Logout needs the session's CSRF token: without it, 403 and still logged in.
	resp, _ = c.PostForm(f.srv.URL+"/logout", url.Values{})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("logout without CSRF: %d, want 403", resp.StatusCode)
	}
	var n int
	f.store.Pool().QueryRow(t.Context(), `SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.email = 'city71@pantau.test'`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d sessions of city71, want 2 (fixture's and this login's)", n)
	}
}

func TestLoginRefusals(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	c := jarClient(t, f)
	// No CSRF token at all.
	resp, _ := c.PostForm(f.srv.URL+"/login", url.Values{"email": {"admin@pantau.test"}, "password": {testPassword}})
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("login without CSRF: %d, want 403", resp.StatusCode)
	}
	token := loginForm(t, f, c)
	post := func(password string) int {
		resp, err := c.PostForm(f.srv.URL+"/login", url.Values{"csrf": {token}, "email": {"admin@pantau.test"}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	free := api.DefaultThrottle.Free
	for i := range free {
		if got := post("wrong-password"); got != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, got)
		}
	}
	// The account waits now: even the right password is refused unchecked.
	if got := post(testPassword); got != http.StatusTooManyRequests {
		t.Fatalf("after %d failures: %d, want 429", free, got)
	}
	var failures int
	var lockedFor float64
	f.store.Pool().QueryRow(t.Context(), `SELECT failures, extract(epoch FROM locked_until - last_failed_at) FROM login_throttle
		WHERE scope = 'account' AND key = 'admin@pantau.test'`).Scan(&failures, &lockedFor)
	if failures != free || lockedFor != 30 {
		t.Fatalf("stored throttle: %d failures, locked %v s; want %d and 30", failures, lockedFor, free)
	}
}

func TestSecureCookieBehindTLSProxy(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/login", nil)
	req.Header.Set("X-Forwarded-Proto", "https")
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "pantau_csrf" && (!ck.Secure || !ck.HttpOnly) {
			t.Fatalf("cookie %+v behind a TLS proxy: want Secure and HttpOnly", ck)
		}
	}
}

func TestFormWithoutCSRFIsRefused(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	for _, path := range []string{"/admin/users", "/admin/probes", "/logout"} {
		resp, _ := f.do(t, "admin", "POST", path, url.Values{"email": {"x@pantau.test"}, "role": {"admin"}, "password": {"0123456789ab"}}, true)
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s without CSRF: %d, want 403", path, resp.StatusCode)
		}
	}
	resp, _ := f.do(t, "admin", "POST", "/admin/users", url.Values{"email": {"x@pantau.test"}, "role": {"admin"}, "password": {"0123456789ab"}}, false)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("with CSRF: %d, want 201", resp.StatusCode)
	}
}

func TestLanguageSwitchIsKept(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	c := jarClient(t, f)
	get := func(path string) string {
		resp, err := c.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return b.String()
	}
	if page := get("/status/73.71"); !strings.Contains(page, `lang="id"`) || !strings.Contains(page, "Status layanan") {
		t.Fatalf("default is not Bahasa Indonesia")
	}
	if page := get("/status/73.71?lang=en"); !strings.Contains(page, `lang="en"`) || !strings.Contains(page, "Service status") {
		t.Fatalf("?lang=en does not switch to English")
	}
	if page := get("/login"); !strings.Contains(page, "Log in") {
		t.Fatalf("the switch is not kept by the cookie")
	}
	if page := get("/login?lang=id"); !strings.Contains(page, "Masuk") {
		t.Fatalf("?lang=id does not switch back")
	}
}
