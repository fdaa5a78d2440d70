package webui

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// Intake as office staff enter it on the office page, through the report
// layer's intake store (office_intake, api/postgres/intake.go).

// PostIntake records a day's intake from the office page's form: date and
// one n_<TYPE> field per document type. Office staff of that office only
// (the route checks role and CSRF, this the office). The whole day is
// written or nothing is.
func (p *Pages) PostIntake(c *gin.Context) error {
	o, err := p.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	day, err := calendar.ParseDate(c.PostForm("date"))
	if err != nil {
		return api.FieldErrorf("date", "want a date as 2020-01-08")
	}
	loc := officeLocation(o.TZ)
	if today := calendar.DateOf(p.now(), loc); day.After(today) || day.Before(today.AddDays(-maxPeriodDays)) {
		return api.FieldErrorf("date", "%s is in the future or more than a year ago", day)
	}
	var rows []api.IntakeRow
	for _, t := range doctype.Defaults() {
		v := strings.TrimSpace(c.PostForm("n_" + t.Code))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > api.MaxIntake {
			return api.FieldErrorf("n_"+t.Code, "want a whole number from 0 to %d", api.MaxIntake)
		}
		rows = append(rows, api.IntakeRow{Date: day, Type: t.Code, Received: n})
	}
	// The report layer's check: known types, and a day with counter hours
	// in the office's own calendar (a closed day or holiday receives none).
	if err := p.reports().CheckIntake(c.Request.Context(), o, rows); err != nil {
		return err
	}
	if err := p.store.UpsertIntake(c.Request.Context(), o.Code, rows, auth.SessionOf(c).User.ID, p.now(), nil); err != nil {
		return err
	}
	today := calendar.DateOf(p.now(), loc)
	from := minDate(day, today.AddDays(-13))
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/offices/%s?from=%s&to=%s#intake", o.Code, from, today))
	return nil
}
