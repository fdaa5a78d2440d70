package webui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/probe"
)

// AdminPage lists users and probes with forms to add them (admin only).
func (p *Pages) AdminPage(c *gin.Context) error {
	return p.renderAdmin(c, http.StatusOK, "", "")
}

func (p *Pages) renderAdmin(c *gin.Context, status int, message, token string) error {
	ctx := c.Request.Context()
	users, err := p.store.Users(ctx)
	if err != nil {
		return err
	}
	// Probes with their agent's version and update state (the fleet view),
	// releases and the rollout in force.
	rel, err := p.releaseView(c)
	if err != nil {
		return err
	}
	windows, err := p.store.MaintenanceWindows(ctx, api.MaintenanceFilter{From: p.now().Add(-31 * 24 * time.Hour)})
	if err != nil {
		return err
	}
	targets, err := p.store.Targets(ctx, c.Query("office"))
	if err != nil {
		return err
	}
	// Slack messages that gave up after their retries: an admin must see them.
	givenUp, err := p.store.Escalation().GivenUp(ctx, 50)
	if err != nil {
		return err
	}
	// How far detection is behind (issue 14: never starved, and seen).
	lag, err := p.store.DetectionLag(ctx, p.now())
	if err != nil {
		return err
	}
	tokens, err := p.store.APITokens(ctx)
	if err != nil {
		return err
	}
	data := map[string]any{
		"Users": users, "Probes": rel.Fleet, "Rel": rel, "Roles": api.Roles, "Message": message, "Token": token, "Windows": windows,
		"Targets": targets, "GivenUp": givenUp, "Lag": lag, "APITokens": tokens,
	}
	// A new API token shows in its own place, once.
	if tok, ok := c.Get(apiTokenKey); ok {
		data["APIToken"] = tok
	}
	return p.render(c, status, "admin", "nav.admin", data)
}

// apiTokenKey carries a just-made API token from AdminAddToken to the page.
const apiTokenKey = "pantau.new_api_token"

// AdminAddToken is POST /admin/tokens: an API token for a script, with a
// role and scope; the token is shown once.
func (p *Pages) AdminAddToken(c *gin.Context) error {
	t, token, err := p.store.CreateAPIToken(c.Request.Context(), api.NewAPIToken{Name: c.PostForm("name"), Role: c.PostForm("role"),
		OfficeCode: c.PostForm("office"), ProvinceCode: c.PostForm("province"), CreatedBy: auth.SessionOf(c).User.Email})
	if err != nil {
		return err
	}
	c.Set(apiTokenKey, token)
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf("API token %s #%d ✓", t.Name, t.ID), "")
}

// AdminRevokeToken is POST /admin/tokens/revoke: the token stops working
// at once.
func (p *Pages) AdminRevokeToken(c *gin.Context) error {
	id, err := strconv.ParseInt(c.PostForm("id"), 10, 64)
	if err != nil {
		return api.FieldErrorf("id", "want a token id")
	}
	if err := p.store.RevokeAPIToken(c.Request.Context(), id, p.now()); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf("API token #%d revoked", id), "")
}

// AdminAddUser is POST /admin/users.
func (p *Pages) AdminAddUser(c *gin.Context) error {
	u, err := p.store.CreateUser(c.Request.Context(), api.NewUser{
		Email: c.PostForm("email"), Name: c.PostForm("name"), Role: c.PostForm("role"),
		OfficeCode: c.PostForm("office"), ProvinceCode: c.PostForm("province"), Password: c.PostForm("password"),
	})
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, u.Email+" ✓", "")
}

// AdminAddProbe is POST /admin/probes; the token is shown once.
func (p *Pages) AdminAddProbe(c *gin.Context) error {
	pr, token, err := p.store.CreateProbe(c.Request.Context(), c.PostForm("office"), c.PostForm("name"))
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, pr.OfficeCode+" / "+pr.Name+" ✓", token)
}

// AdminAddMaintenance is POST /admin/maintenance: a planned cut-off for an
// office, a province or everyone. The times are read in the zone of the
// office or province (WIB for national windows), as the form says.
func (p *Pages) AdminAddMaintenance(c *gin.Context) error {
	ctx := c.Request.Context()
	m := api.MaintenanceWindow{Scope: c.PostForm("scope"), Reason: c.PostForm("reason")}
	tz := "Asia/Jakarta"
	switch m.Scope {
	case api.ScopeOffice:
		m.OfficeCode = c.PostForm("ref")
		o, err := p.store.Office(ctx, m.OfficeCode)
		if err != nil {
			return err
		}
		tz = o.TZ
	case api.ScopeProvince:
		m.ProvinceCode = c.PostForm("ref")
		pr, err := p.guard.ProvinceInScope(c, m.ProvinceCode)
		if err != nil {
			return err
		}
		tz = pr.TZ
	}
	loc := officeLocation(tz)
	for field, dst := range map[string]*time.Time{"starts_at": &m.StartsAt, "ends_at": &m.EndsAt} {
		t, err := time.ParseInLocation("2006-01-02T15:04", c.PostForm(field), loc)
		if err != nil {
			return api.FieldErrorf(field, "want a local time as 2020-01-08T07:30")
		}
		*dst = t
	}
	w, err := p.store.CreateMaintenance(ctx, m)
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf("maintenance #%d ✓", w.ID), "")
}

// AdminAddTarget is POST /admin/targets: something an office's probe checks.
func (p *Pages) AdminAddTarget(c *gin.Context) error {
	spec := probe.Target{Name: c.PostForm("name"), Kind: probe.TargetKind(c.PostForm("kind")),
		Check: probe.CheckType(c.PostForm("check")), Address: c.PostForm("address"), TLSCA: strings.TrimSpace(c.PostForm("tls_ca"))}
	t, err := p.store.CreateTarget(c.Request.Context(), api.Target{OfficeCode: c.PostForm("office"), Spec: spec})
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf("target %s #%d ✓", t.OfficeCode, t.ID), "")
}

// AdminRevokeProbe is POST /admin/probes/revoke: the probe's token stops
// working at once.
func (p *Pages) AdminRevokeProbe(c *gin.Context) error {
	id, err := strconv.ParseInt(c.PostForm("id"), 10, 64)
	if err != nil {
		return api.FieldErrorf("id", "want a probe id")
	}
	if err := p.store.RevokeProbe(c.Request.Context(), c.PostForm("office"), id); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf("probe %s #%d revoked", c.PostForm("office"), id), "")
}

// AdminSlackRetry is POST /admin/slack/retry: Slack messages that gave up
// go back in line, the one named by office and id, or every one when id is
// empty (as `pantau admin slack-retry`). The sender looks in Slack first
// for any that may have gone out.
func (p *Pages) AdminSlackRetry(c *gin.Context) error {
	var id int64
	if s := c.PostForm("id"); s != "" {
		var err error
		if id, err = strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
			return api.FieldErrorf("id", "want a message id")
		}
	}
	n, err := p.store.Escalation().Requeue(c.Request.Context(), c.PostForm("office"), id, p.now())
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf("Slack: %d ↻", n), "")
}

// AdminOfficeSettings is POST /admin/offices: an office's staff, overtime
// cap and rates for the backlog model (its weekly hours and Ramadan ranges
// are kept as they are).
func (p *Pages) AdminOfficeSettings(c *gin.Context) error {
	ctx := c.Request.Context()
	st, err := p.store.OfficeSettings(ctx, c.PostForm("office"))
	if err != nil {
		return err
	}
	for field, dst := range map[string]*int{"staff": &st.Staff, "overtime_cap": &st.OvertimeCap} {
		if v := c.PostForm(field); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return api.FieldErrorf(field, "want a whole number")
			}
			*dst = n
		}
	}
	for field, dst := range map[string]*int64{"overtime_hourly": &st.OvertimeHourly, "meal_allowance": &st.MealAllowance} {
		if v := c.PostForm(field); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return api.FieldErrorf(field, "want whole rupiah")
			}
			*dst = n
		}
	}
	if err := p.store.PutOfficeSettings(ctx, st, auth.SessionOf(c).User.ID, p.now()); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf("office %s: %d staff, cap %d h, Rp %d/h, meal Rp %d ✓",
		st.OfficeCode, st.Staff, st.OvertimeCap, st.OvertimeHourly, st.MealAllowance), "")
}
