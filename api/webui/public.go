package webui

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/format"
)

// publicStatus is what citizens see of an office: nothing internal (no
// cause, targets, probes, ages or backlog figures), only which services are
// affected, since when, and when files received today can be expected.
type publicStatus struct {
	Name, TZ   string
	State      api.State
	Now        time.Time
	Since      *time.Time
	Affected   []string // services needing the central system
	Unaffected []string
	Expected   string
	Assumed    string // when the link is assumed back for Expected
	History    []dayBar
	// TodayDone is when files received today are done while a central
	// outage is open, under Assumption (the assumed return of the link).
	TodayDone, Assumption string
}

// PublicStatusPage is GET /status/:office, without login.
func (p *Pages) PublicStatusPage(c *gin.Context) error {
	o, err := p.store.Office(c.Request.Context(), c.Param("office"))
	if err != nil {
		return err
	}
	lang, now := auth.LangOf(c), p.now()
	per := defaultPeriod(officeLocation(o.TZ), now, 14)
	// Files received today can be promised only against an assumed return
	// of the link: the start of the next working day, said on the page.
	cal := defaultOffice(o).Calendar
	back := cal.WorkStart(cal.WorkingDayOnOrAfter(calendar.DateOf(now, per.Loc).AddDays(1)))
	d, err := p.buildOfficeDetail(c.Request.Context(), lang, o, per, back)
	if err != nil {
		return err
	}
	ps := publicStatus{Name: o.Name, TZ: o.TZ, State: d.State.State, Now: now}
	if ps.History, err = p.history(c.Request.Context(), lang, o.Code, per.Loc, now, ps.State != api.StateUnknown); err != nil {
		return err
	}
	if ps.State == api.StateMaintenance {
		ps.State = api.StateDown // a planned cut stops the same services
	}
	if ps.State == api.StateDown {
		ps.Since = d.State.SinceAt
		if d.OpenSince != nil {
			ps.Since = d.OpenSince
		}
		for _, t := range d.Settings.Types {
			if t.NeedsCentral {
				ps.Affected = append(ps.Affected, t.Name)
			} else {
				ps.Unaffected = append(ps.Unaffected, t.Name)
			}
		}
		if cl := d.Backlog.Clearance; cl != nil && d.AssumeEnd != nil {
			ps.Expected = web.FormatDate(lang, o.TZ, cl.In(per.Loc, 12*60))
			ps.Assumed = web.FormatTime(lang, o.TZ, *d.AssumeEnd)
		}
	}
	if d.OpenSince != nil && d.Backlog != nil && d.Backlog.TodayDone != nil {
		ps.TodayDone = format.DateTime(lang, d.Backlog.TodayDone.In(per.Loc))
		ps.Assumption = d.Assumption
	}
	c.Header("Cache-Control", "public, max-age=30")
	return p.render(c, http.StatusOK, "status", "public.title", ps)
}
