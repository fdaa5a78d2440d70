package webui

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/web"
)

// LoginForm shows the login form with a fresh double-submit CSRF token.
func (p *Pages) LoginForm(c *gin.Context) error {
	if auth.SessionOf(c) != nil {
		c.Redirect(http.StatusSeeOther, "/")
		return nil
	}
	return p.renderLogin(c, http.StatusOK, "")
}

func (p *Pages) renderLogin(c *gin.Context, status int, message string) error {
	// A re-shown form keeps the token it was posted with, so a second try
	// from the same tab works; a first visit gets a fresh one.
	token, err := c.Cookie(auth.LoginCSRF)
	if err != nil || !p.guard.ValidLoginToken(token) {
		if token, err = p.guard.NewLoginToken(); err != nil {
			return err
		}
	}
	p.guard.SetCookie(c, auth.LoginCSRF, token, 3600)
	next := c.Query("next")
	if next == "" {
		next = c.PostForm("next")
	}
	return p.render(c, status, "login", "login.title", map[string]any{"Token": token, "Next": next, "Message": message})
}

// Login checks the form's email and password; on success it starts a
// session and goes to next (a local path only) or the status board.
func (p *Pages) Login(c *gin.Context) error {
	ctx := c.Request.Context()
	email, password := c.PostForm("email"), c.PostForm("password")
	// The peer's address, or the client a trusted proxy names: anyone can
	// write X-Forwarded-For, and a throttle keyed on it unchecked would be
	// a throttle on nothing.
	user, err := p.store.Login(ctx, email, password, p.guard.ClientAddr(c), p.now(), p.guard.Config().Throttle)
	var throttled *api.ThrottledError
	switch {
	case errors.As(err, &throttled) && throttled.Busy:
		c.Header("Retry-After", itoa(int(throttled.RetryAfter.Seconds())))
		return p.renderLogin(c, http.StatusTooManyRequests, web.T(auth.LangOf(c), "login.busy"))
	case errors.As(err, &throttled):
		c.Header("Retry-After", itoa(int(throttled.RetryAfter.Seconds())+1))
		return p.renderLogin(c, http.StatusTooManyRequests, web.T(auth.LangOf(c), "login.throttled")+" "+web.FormatDuration(auth.LangOf(c), throttled.RetryAfter))
	case api.ErrorCode(err) == api.EInvalid:
		return p.renderLogin(c, http.StatusBadRequest, web.T(auth.LangOf(c), "login.failed"))
	case api.ErrorCode(err) == api.EUnauthorized:
		return p.renderLogin(c, http.StatusUnauthorized, web.T(auth.LangOf(c), "login.failed"))
	case err != nil:
		return err
	}
	token, _, err := p.store.CreateSession(ctx, user, p.now(), p.guard.Config().SessionTTL)
	if err != nil {
		return err
	}
	if _, err := p.store.PruneLogins(ctx, p.now()); err != nil {
		p.log.WarnContext(ctx, "prune sessions", "err", err)
	}
	p.guard.SetCookie(c, auth.SessionCookie, token, int(p.guard.Config().SessionTTL.Seconds()))
	p.guard.SetCookie(c, auth.LoginCSRF, "", -1)
	c.Redirect(http.StatusSeeOther, auth.LocalPath(c.PostForm("next")))
	return nil
}

// Logout ends the session.
func (p *Pages) Logout(c *gin.Context) error {
	if token, err := c.Cookie(auth.SessionCookie); err == nil {
		if err := p.store.DeleteSession(c.Request.Context(), token); err != nil {
			return err
		}
	}
	p.guard.SetCookie(c, auth.SessionCookie, "", -1)
	c.Redirect(http.StatusSeeOther, "/login")
	return nil
}
