package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/web"
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
}

// publicStatusPage is GET /status/:office, without login.
func (p *pages) publicStatusPage(c *gin.Context) error {
	o, err := p.s.store.Office(c.Request.Context(), c.Param("office"))
	if err != nil {
		return err
	}
	lang, now := langOf(c), p.s.now()
	per := defaultPeriod(officeLocation(o.TZ), now, 14)
	d, err := p.buildOfficeDetail(c.Request.Context(), lang, o, per, time.Time{})
	if err != nil {
		return err
	}
	ps := publicStatus{Name: o.Name, TZ: o.TZ, State: d.State.State, Now: now}
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
		if cl := d.Backlog.Clearance; cl != nil {
			ps.Expected = web.FormatDate(lang, o.TZ, cl.In(per.Loc, 12*60))
		}
	}
	c.Header("Cache-Control", "public, max-age=30")
	return p.render(c, http.StatusOK, "status", "public.title", ps)
}
