package server

import (
	"context"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
)

// intakeOf returns the office's recorded intake over [from, to] and whether
// the server records intake at all. Intake storage belongs to the report
// layer (issue 4) and has not landed; until it does, the backlog model runs
// with no files and the page says so.
func (p *pages) intakeOf(ctx context.Context, o api.Office, from, to calendar.Date) ([]backlog.Intake, bool, error) {
	_, _, _, _ = ctx, o, from, to
	return nil, false, nil
}

// postIntake records a day's intake from the office page's form (office
// staff of that office only; the route checks role and CSRF, this checks
// the office).
func (p *pages) postIntake(c *gin.Context) error {
	o, err := p.officeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	_ = o
	return api.Errorf(api.EConflict, "intake recording is not available on this server yet")
}
