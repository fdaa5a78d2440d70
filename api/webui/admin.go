package webui

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/web"
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
	rows, err := p.maintenanceRows(ctx, auth.LangOf(c), windows)
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
		"Users": users, "Probes": rel.Fleet, "Rel": rel, "Roles": api.Roles, "Message": message, "Token": token, "Windows": rows,
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
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.token"), t.Name, t.ID), "")
}

// AdminRevokeToken is POST /admin/tokens/revoke: the token stops working
// at once.
func (p *Pages) AdminRevokeToken(c *gin.Context) error {
	id, err := strconv.ParseInt(c.PostForm("id"), 10, 64)
	if err != nil {
		return api.FieldErrorf("id", "%s", web.T(auth.LangOf(c), "admin.err.id"))
	}
	if err := p.store.RevokeAPIToken(c.Request.Context(), id, p.now()); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.token_revoked"), id), "")
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
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.user"), u.Email), "")
}

// AdminAddProbe is POST /admin/probes; the token is shown once.
func (p *Pages) AdminAddProbe(c *gin.Context) error {
	pr, token, err := p.store.CreateProbe(c.Request.Context(), c.PostForm("office"), c.PostForm("name"))
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.probe"), pr.Name, pr.OfficeCode), token)
}

// AdminAddMaintenance is POST /admin/maintenance: a planned cut-off for an
// office, a province or everyone. The times are read in the zone of the
// office or province (WIB for national windows), as the form says, and
// listed in the same zone (maintenanceRows).
func (p *Pages) AdminAddMaintenance(c *gin.Context) error {
	ctx := c.Request.Context()
	m := api.MaintenanceWindow{Scope: c.PostForm("scope"), Reason: c.PostForm("reason")}
	tz := wib
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
			return api.FieldErrorf(field, "%s", web.T(auth.LangOf(c), "admin.err.localtime"))
		}
		*dst = t
	}
	w, err := p.store.CreateMaintenance(ctx, m)
	if err != nil {
		return err
	}
	lang := auth.LangOf(c)
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf(web.T(lang, "admin.msg.maintenance"), w.ID,
		web.FormatTime(lang, tz, w.StartsAt), web.FormatTime(lang, tz, w.EndsAt)), "")
}

// AdminAddTarget is POST /admin/targets: something an office's probe checks.
func (p *Pages) AdminAddTarget(c *gin.Context) error {
	spec := probe.Target{Name: c.PostForm("name"), Kind: probe.TargetKind(c.PostForm("kind")),
		Check: probe.CheckType(c.PostForm("check")), Address: c.PostForm("address"), TLSCA: strings.TrimSpace(c.PostForm("tls_ca"))}
	t, err := p.store.CreateTarget(c.Request.Context(), api.Target{OfficeCode: c.PostForm("office"), Spec: spec})
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.target"), t.Spec.Name, t.ID, t.OfficeCode), "")
}

// AdminRevokeProbe is POST /admin/probes/revoke: the probe's token stops
// working at once.
func (p *Pages) AdminRevokeProbe(c *gin.Context) error {
	id, err := strconv.ParseInt(c.PostForm("id"), 10, 64)
	if err != nil {
		return api.FieldErrorf("id", "%s", web.T(auth.LangOf(c), "admin.err.id"))
	}
	if err := p.store.RevokeProbe(c.Request.Context(), c.PostForm("office"), id); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.probe_revoked"), id, c.PostForm("office")), "")
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
			return api.FieldErrorf("id", "%s", web.T(auth.LangOf(c), "admin.err.id"))
		}
	}
	n, err := p.store.Escalation().Requeue(c.Request.Context(), c.PostForm("office"), id, p.now())
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.slack"), n), "")
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
				return api.FieldErrorf(field, "%s", web.T(auth.LangOf(c), "admin.err.whole"))
			}
			*dst = n
		}
	}
	for field, dst := range map[string]*int64{"overtime_hourly": &st.OvertimeHourly, "meal_allowance": &st.MealAllowance} {
		if v := c.PostForm(field); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return api.FieldErrorf(field, "%s", web.T(auth.LangOf(c), "admin.err.rupiah"))
			}
			*dst = n
		}
	}
	if err := p.store.PutOfficeSettings(ctx, st, auth.SessionOf(c).User.ID, p.now()); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusOK, fmt.Sprintf(web.T(auth.LangOf(c), "admin.msg.office"),
		st.OfficeCode, st.Staff, st.OvertimeCap, formatRupiah(st.OvertimeHourly), formatRupiah(st.MealAllowance)), "")
}

// maintenanceRow is one maintenance window as the admin page lists it:
// its times in the zone they were entered in (the office's, the
// province's, WIB for national windows), labelled, so a window entered as
// 08:00 for a WITA office reads "08.00 WITA".
type maintenanceRow struct {
	ID                   int64
	Scope, Ref           string
	Starts, Ends, Reason string
}

func (p *Pages) maintenanceRows(ctx context.Context, lang string, ws []api.MaintenanceWindow) ([]maintenanceRow, error) {
	zones := map[string]string{} // "o:73.71" / "p:73" → zone
	for _, w := range ws {
		if w.Scope == api.ScopeProvince && zones["p:"+w.ProvinceCode] == "" {
			provinces, err := p.store.Provinces(ctx)
			if err != nil {
				return nil, err
			}
			for _, pr := range provinces {
				zones["p:"+pr.Code] = pr.TZ
			}
		}
		if w.Scope == api.ScopeOffice && zones["o:"+w.OfficeCode] == "" {
			o, err := p.store.Office(ctx, w.OfficeCode)
			if err != nil {
				return nil, err
			}
			zones["o:"+o.Code] = o.TZ
		}
	}
	rows := make([]maintenanceRow, len(ws))
	for i, w := range ws {
		tz := wib
		switch w.Scope {
		case api.ScopeOffice:
			tz = zones["o:"+w.OfficeCode]
		case api.ScopeProvince:
			tz = zones["p:"+w.ProvinceCode]
		}
		rows[i] = maintenanceRow{ID: w.ID, Scope: w.Scope, Ref: w.OfficeCode + w.ProvinceCode, Reason: w.Reason,
			Starts: web.FormatTime(lang, tz, w.StartsAt), Ends: web.FormatTime(lang, tz, w.EndsAt)}
	}
	return rows, nil
}
