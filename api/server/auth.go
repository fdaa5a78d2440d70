package server

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/web"
)

// Cookie names of the web pages.
const (
	sessionCookie = "pantau_session"
	loginCSRF     = "pantau_csrf" // double-submit token of the login form, before a session exists
	langCookie    = "pantau_lang"
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
)

// Keys of what load leaves in the Gin context.
const (
	sessionKey = "pantau.session"
	langKey    = "pantau.lang"
)

// WebConfig holds the web pages' tunables; zero values take the defaults.
type WebConfig struct {
	// SessionTTL is how long a login lasts (default 12 hours: a working day
	// with overtime).
	SessionTTL time.Duration
	// SecureCookies: "auto" (default) marks cookies Secure when the request
	// came over TLS or through a proxy saying X-Forwarded-Proto: https;
	// "always" and "never" force it.
	SecureCookies string
	// Throttle slows repeated failed logins per email and address.
	Throttle api.Throttle
}

func (c WebConfig) withDefaults() WebConfig {
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

// secure says whether cookies set on this request carry Secure.
func (p *pages) secure(c *gin.Context) bool {
	switch p.cfg.SecureCookies {
	case "always":
		return true
	case "never":
		return false
	}
	return c.Request.TLS != nil || strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https")
}

// setCookie writes an HttpOnly, SameSite=Lax cookie for the whole site;
// maxAge < 0 deletes it.
func (p *pages) setCookie(c *gin.Context, name, value string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: p.secure(c), SameSite: http.SameSiteLaxMode,
	})
}

// load reads the language and the session (if any) of every page request.
// A bad or expired session cookie is dropped, not an error: the page then
// asks for a login.
func (p *pages) load() gin.HandlerFunc {
	return func(c *gin.Context) {
		lang, _ := c.Cookie(langCookie)
		if q, ok := c.GetQuery("lang"); ok {
			lang = web.Lang(q)
			p.setCookie(c, langCookie, lang, 365*24*3600)
		}
		c.Set(langKey, web.Lang(lang))
		if token, err := c.Cookie(sessionCookie); err == nil && token != "" {
			sess, err := p.s.store.SessionByToken(c.Request.Context(), token, p.s.now())
			switch api.ErrorCode(err) {
			case "":
				c.Set(sessionKey, &sess)
			case api.EUnauthorized:
				p.setCookie(c, sessionCookie, "", -1)
			default:
				p.fail(c, err)
				return
			}
		}
		c.Next()
	}
}

func sessionOf(c *gin.Context) *api.Session {
	if v, ok := c.Get(sessionKey); ok {
		return v.(*api.Session)
	}
	return nil
}

func langOf(c *gin.Context) string { return web.Lang(c.GetString(langKey)) }

// auth lets a request through only with a session whose role is one of
// roles (any role when none are given). Pages without a session go to the
// login form; JSON routes under /api get 401. A role not allowed gets 403.
func (p *pages) auth(roles ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess := sessionOf(c)
		if sess == nil {
			if isAPI(c) {
				p.s.writeError(c, api.Errorf(api.EUnauthorized, "log in first"))
				return
			}
			c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
			c.Abort()
			return
		}
		if len(roles) > 0 && !slices.Contains(roles, sess.User.Role) {
			p.fail(c, api.Errorf(api.EForbidden, "%s", web.T(langOf(c), "error.forbidden")))
			return
		}
		c.Next()
	}
}

// csrf refuses a POST whose token does not match with 403: the session's
// token for a logged-in user, the double-submit cookie on the login form.
// The token comes from the form field or the X-CSRF-Token header.
func (p *pages) csrf() gin.HandlerFunc {
	return func(c *gin.Context) {
		got := c.GetHeader(csrfHeader)
		if got == "" {
			got = c.PostForm(csrfField)
		}
		want := ""
		if sess := sessionOf(c); sess != nil {
			want = sess.CSRFToken
		} else if ck, err := c.Cookie(loginCSRF); err == nil {
			want = ck
		}
		if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			p.fail(c, api.Errorf(api.EForbidden, "%s", web.T(langOf(c), "error.csrf")))
			return
		}
		c.Next()
	}
}

func isAPI(c *gin.Context) bool { return strings.HasPrefix(c.Request.URL.Path, "/api/") }

// fail writes err as JSON on API routes and as an error page elsewhere.
func (p *pages) fail(c *gin.Context, err error) {
	if isAPI(c) {
		p.s.writeError(c, err)
		return
	}
	p.renderError(c, err)
}

// login checks the form's email and password; on success it starts a
// session and goes to next (a local path only) or the status board.
func (p *pages) login(c *gin.Context) error {
	ctx := c.Request.Context()
	email, password := c.PostForm("email"), c.PostForm("password")
	// The peer's address, not ClientIP: X-Forwarded-For is the caller's to
	// write, and a throttle keyed on it would be a throttle on nothing.
	user, err := p.s.store.Login(ctx, email, password, c.RemoteIP(), p.s.now(), p.cfg.Throttle)
	var throttled *api.ThrottledError
	switch {
	case errors.As(err, &throttled):
		c.Header("Retry-After", itoa(int(throttled.RetryAfter.Seconds())+1))
		return p.renderLogin(c, http.StatusTooManyRequests, web.T(langOf(c), "login.throttled")+" "+web.FormatDuration(langOf(c), throttled.RetryAfter))
	case api.ErrorCode(err) == api.EUnauthorized:
		return p.renderLogin(c, http.StatusUnauthorized, web.T(langOf(c), "login.failed"))
	case err != nil:
		return err
	}
	token, _, err := p.s.store.CreateSession(ctx, user, p.s.now(), p.cfg.SessionTTL)
	if err != nil {
		return err
	}
	if _, err := p.s.store.PruneLogins(ctx, p.s.now()); err != nil {
		p.s.log.WarnContext(ctx, "prune sessions", "err", err)
	}
	p.setCookie(c, sessionCookie, token, int(p.cfg.SessionTTL.Seconds()))
	p.setCookie(c, loginCSRF, "", -1)
	next := c.PostForm("next")
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.Contains(next, `\`) {
		next = "/"
	}
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

// logout ends the session.
func (p *pages) logout(c *gin.Context) error {
	if token, err := c.Cookie(sessionCookie); err == nil {
		if err := p.s.store.DeleteSession(c.Request.Context(), token); err != nil {
			return err
		}
	}
	p.setCookie(c, sessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}
