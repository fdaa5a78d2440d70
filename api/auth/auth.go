// Package auth says who a browser request comes from and what it may see:
// sessions from the cookie, the language, the role check, CSRF, and the one
// scope check every page and JSON handler uses. Routes get these from their
// group in api/server's route table. The agent's probe tokens are the agent
// API's (api/httpapi).
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/httperr"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/web"
)

// Cookie and form names of the web pages.
const (
	SessionCookie = "pantau_session"
	LoginCSRF     = "pantau_csrf" // double-submit token of the login form, before a session exists
	langCookie    = "pantau_lang"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// Keys of what Load leaves in the Gin context.
const (
	sessionKey = "pantau.session"
	langKey    = "pantau.lang"
	tokenKey   = "pantau.api_token" // the caller is an API token, not a browser
)

// Config holds the sessions' tunables; zero values take the defaults.
type Config struct {
	// SessionTTL is how long a login lasts (default 12 hours: a working day
	// with overtime).
	SessionTTL time.Duration
	// SecureCookies: "auto" (default) marks cookies Secure when the request
	// came over TLS or through a proxy saying X-Forwarded-Proto: https;
	// "always" and "never" force it.
	SecureCookies string
	// Throttle slows repeated failed logins per account and address.
	Throttle api.Throttle
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed (ClientAddr); none by default.
	TrustedProxies []netip.Prefix
}

// WithDefaults fills the zero fields.
func (c Config) WithDefaults() Config {
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.SecureCookies == "" {
		c.SecureCookies = "auto"
	}
	if c.Throttle.Free == 0 {
		c.Throttle = api.DefaultThrottle
	}
	return c
}

// Guard reads sessions and checks roles, CSRF and scope for the routes.
type Guard struct {
	store *postgres.Store
	cfg   Config
	now   func() time.Time
	log   *slog.Logger
	page  func(c *gin.Context, err error)
	// key signs login form tokens (NewLoginToken); per process, so a form
	// outlives a restart only by being reloaded.
	key []byte
}

// New returns a guard. page writes a refusal on a page route (not under
// /api/): the pages' error page.
func New(store *postgres.Store, cfg Config, now func() time.Time, log *slog.Logger, page func(c *gin.Context, err error)) *Guard {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		panic("auth: no randomness for the login key: " + err.Error()) // crypto/rand never fails on supported systems
	}
	return &Guard{store: store, cfg: cfg.WithDefaults(), now: now, log: log, page: page, key: key}
}

// Config is the guard's configuration with its defaults.
func (g *Guard) Config() Config { return g.cfg }

// secure says whether cookies set on this request carry Secure.
func (g *Guard) secure(c *gin.Context) bool {
	switch g.cfg.SecureCookies {
	case "always":
		return true
	case "never":
		return false
	}
	return c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

// SetCookie writes an HttpOnly, SameSite=Lax cookie for the whole site;
// maxAge < 0 deletes it.
func (g *Guard) SetCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: g.secure(c), SameSite: http.SameSiteLaxMode,
	})
}

// Load reads the language and the session (if any) of every browser
// request. A bad or expired session cookie is dropped, not an error: the
// page then asks for a login.
func (g *Guard) Load() gin.HandlerFunc {
	return func(c *gin.Context) {
		lang, _ := c.Cookie(langCookie)
		if q, ok := c.GetQuery("lang"); ok {
			lang = web.Lang(q)
			g.SetCookie(c, langCookie, lang, 365*24*3600)
		}
		c.Set(langKey, web.Lang(lang))
		if bearer, ok := bearerToken(c); ok {
			// A script's API token: its role and scope stand in for a
			// session's. No fallback to a cookie: a wrong token is 401.
			tok, err := g.store.AuthenticateAPIToken(c.Request.Context(), bearer, g.now())
			if err != nil {
				httperr.Write(c, g.log, err)
				return
			}
			c.Set(sessionKey, &api.Session{User: tok.User()})
			c.Set(tokenKey, true)
			c.Next()
			return
		}
		if token, err := c.Cookie(SessionCookie); err == nil && token != "" {
			sess, err := g.store.SessionByToken(c.Request.Context(), token, g.now())
			switch api.ErrorCode(err) {
			case "":
				c.Set(sessionKey, &sess)
			case api.EUnauthorized:
				g.SetCookie(c, SessionCookie, "", -1)
			default:
				g.Fail(c, err)
				return
			}
		}
		c.Next()
	}
}

// bearerToken returns the token of an `Authorization: Bearer` header.
func bearerToken(c *gin.Context) (string, bool) {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// ByToken says whether the request was authenticated by an API token.
func ByToken(c *gin.Context) bool { return c.GetBool(tokenKey) }

// SessionOf is the request's session; nil when it has none.
func SessionOf(c *gin.Context) *api.Session {
	if v, ok := c.Get(sessionKey); ok {
		return v.(*api.Session)
	}
	return nil
}

// WithSession leaves sess in the request as Load would (tests of handlers
// without cookies).
func WithSession(c *gin.Context, sess *api.Session) { c.Set(sessionKey, sess) }

// LangOf is the request's language (web.LangID or web.LangEN).
func LangOf(c *gin.Context) string { return web.Lang(c.GetString(langKey)) }

// Require lets a request through only with a session whose role is one of
// roles. Pages without a session go to the login form; JSON routes under
// /api get 401. A role not allowed gets 403.
func (g *Guard) Require(roles Roles) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess := SessionOf(c)
		if sess == nil {
			if IsAPI(c) {
				httperr.Write(c, g.log, api.Errorf(api.EUnauthorized, "log in first"))
				return
			}
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if !slices.Contains(roles, sess.User.Role) {
			// Say what would do, so a script's author knows which token
			// to ask for.
			lang := LangOf(c)
			names := make([]string, len(roles))
			for i, r := range roles {
				names[i] = r
				if !IsAPI(c) {
					names[i] = web.T(lang, "role."+r)
				}
			}
			yours := sess.User.Role
			if !IsAPI(c) {
				yours = web.T(lang, "role."+yours)
			}
			g.Fail(c, &api.Error{Code: api.EForbidden, Field: "role", Message: web.T(lang, "error.forbidden") + " " +
				fmt.Sprintf(web.T(lang, "error.needs_role"), strings.Join(names, ", "), yours)})
			return
		}
		c.Next()
	}
}

// CSRF refuses a request whose token does not match with 403: the
// session's token for a logged-in user, the double-submit cookie on the
// login form. The token comes from the form field or the X-CSRF-Token
// header.
func (g *Guard) CSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		if ByToken(c) {
			// A bearer token is never sent by a browser on its own, so
			// another site cannot make a request carry it: no CSRF.
			c.Next()
			return
		}
		got := c.GetHeader(csrfHeader)
		if got == "" {
			got = c.PostForm(csrfField)
		}
		want := ""
		if sess := SessionOf(c); sess != nil {
			want = sess.CSRFToken
		} else if ck, err := c.Cookie(LoginCSRF); err == nil && g.ValidLoginToken(ck) {
			want = ck
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			g.Fail(c, api.Errorf(api.EForbidden, "%s", web.T(LangOf(c), "error.csrf")))
			return
		}
		c.Next()
	}
}

// IsAPI says whether the request is a JSON route (under /api/).
func IsAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// Fail writes err as JSON on API routes and as an error page elsewhere.
func (g *Guard) Fail(c *gin.Context, err error) {
	if IsAPI(c) {
		httperr.Write(c, g.log, err)
		return
	}
	g.page(c, err)
}
