package webui

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
	"github.com/pantau-id/pantau/web"
)

// settingsView is an office's settings page: its letter fields, the SLA
// deadline rule, and its own closed days for this year and the next.
type settingsView struct {
	Office   api.Office
	Zone     string
	Letter   api.OfficeLetter
	Sample   string // the letter number as the pattern gives it today
	Closures []calendar.Holiday
	Rules    []string
}

// SettingsPage is GET /offices/:code/settings (office staff of the office
// and admins; the route checks the role, this the office).
func (p *Pages) SettingsPage(c *gin.Context) error {
	o, err := p.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	loc := officeLocation(o.TZ)
	v := settingsView{Office: o, Zone: web.ZoneLabel(o.TZ), Rules: doctype.Defaults().Rules(auth.LangOf(c))}
	if v.Letter, err = p.store.OfficeLetter(ctx, o.Code); err != nil {
		return err
	}
	v.Sample = letterNumber(v.Letter.NumberPattern, p.now().In(loc))
	today := calendar.DateOf(p.now(), loc)
	from, to := calendar.Date{Year: today.Year, Month: 1, Day: 1}, calendar.Date{Year: today.Year + 1, Month: 12, Day: 31}
	if v.Closures, err = p.store.OfficeClosures(ctx, o.Code, from, to); err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "settings", "settings.title", v)
}

// PostLetterSettings records the office's letter fields from the settings
// page; a field that cannot be stored is named and nothing is written.
func (p *Pages) PostLetterSettings(c *gin.Context) error {
	o, err := p.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	l := api.OfficeLetter{
		OfficeCode:    o.Code,
		HeadName:      strings.TrimSpace(c.PostForm("head_name")),
		HeadNIP:       strings.TrimSpace(c.PostForm("head_nip")),
		HeadTitle:     strings.TrimSpace(c.PostForm("head_title")),
		Address:       strings.TrimSpace(c.PostForm("address")),
		Place:         strings.TrimSpace(c.PostForm("place")),
		NumberPattern: strings.TrimSpace(c.PostForm("number_pattern")),
	}
	if err := p.store.PutOfficeLetter(c.Request.Context(), l, auth.SessionOf(c).User.ID, p.now()); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/offices/%s/settings#letter", o.Code))
	return nil
}

// PostClosure adds (action=add: date, kind, name) or removes
// (action=delete: date) one of the office's own closed days.
func (p *Pages) PostClosure(c *gin.Context) error {
	o, err := p.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	day, err := calendar.ParseDate(c.PostForm("date"))
	if err != nil {
		return api.FieldErrorf("date", "want a date as 2026-12-24")
	}
	ctx := c.Request.Context()
	switch c.PostForm("action") {
	case "add":
		name := strings.TrimSpace(c.PostForm("name"))
		if name == "" || len(name) > 200 {
			return api.FieldErrorf("name", "want the day's name, at most 200 characters")
		}
		err = p.store.SetOfficeClosure(ctx, o.Code, calendar.Holiday{Date: day, Kind: calendar.HolidayKind(c.PostForm("kind")), Name: name})
	case "delete":
		err = p.store.DeleteOfficeClosure(ctx, o.Code, day)
	default:
		return api.FieldErrorf("action", "want add or delete")
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/offices/%s/settings#closures", o.Code))
	return nil
}
