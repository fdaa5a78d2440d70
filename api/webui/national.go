package webui

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/chart"
)

// provinceRank is one province on the national page.
type provinceRank struct {
	Province        api.Province
	Offices, Down   int
	Unknown         int
	OpenIncidents   int
	AffectedOffices []string
	Backlog         int // files pending tonight if open outages last the day (offices with recorded intake)
	OvertimeHours   int
}

// NationalPage is GET /national: provinces ranked by offices down now,
// and the incidents still open.
func (p *Pages) NationalPage(c *gin.Context) error {
	ctx, lang, now := c.Request.Context(), auth.LangOf(c), p.now()
	provinces, err := p.store.Provinces(ctx)
	if err != nil {
		return err
	}
	offices, err := p.store.Offices(ctx, api.OfficeFilter{})
	if err != nil {
		return err
	}
	states, err := p.officeStates(ctx, offices, api.OfficeFilter{}, now)
	if err != nil {
		return err
	}
	byCode := map[string]*provinceRank{}
	ranks := make([]*provinceRank, 0, len(provinces))
	for _, pr := range provinces {
		r := &provinceRank{Province: pr}
		byCode[pr.Code] = r
		ranks = append(ranks, r)
	}
	for _, st := range states {
		r := byCode[st.ProvinceCode]
		if r == nil {
			continue
		}
		r.Offices++
		switch st.State {
		case api.StateDown:
			r.Down++
			r.AffectedOffices = append(r.AffectedOffices, st.OfficeName)
		case api.StateUnknown:
			r.Unknown++
		}
	}
	assumed, err := p.addBacklogs(ctx, lang, offices, byCode)
	if err != nil {
		return err
	}
	// The one rule for an open outage (reportdata.AssumeEnd), stated once:
	// without a what-if it is the same instant for every office.
	assumption := ""
	if assumed != nil {
		assumption = fmt.Sprintf(web.T(lang, "national.assumption"), reportdata.AssumptionText(lang, *assumed, officeLocation(p.viewerZone(ctx, auth.ScopeOf(c)))))
	}
	slices.SortStableFunc(ranks, func(a, b *provinceRank) int {
		if a.Down != b.Down {
			return b.Down - a.Down
		}
		return b.Backlog - a.Backlog
	})
	open, err := p.incidents(ctx, "", time.Time{}, time.Time{}, true)
	if err != nil {
		return err
	}
	top := ranks[:min(len(ranks), 15)]
	c1 := chart.Category{ID: chartNational, Title: web.T(lang, "national.ranked"), AxisNames: [2]string{web.T(lang, "national.offices"), ""}}
	c1.AxisNames[1] = web.T(lang, "chart.backlog")
	down, unknown, backlog := make([]float64, len(top)), make([]float64, len(top)), make([]float64, len(top))
	for i, r := range top {
		c1.Labels = append(c1.Labels, r.Province.Name)
		down[i], unknown[i], backlog[i] = float64(r.Down), float64(r.Unknown), float64(r.Backlog)
	}
	c1.Series = []chart.Series{
		{Name: web.T(lang, "state.down"), Kind: chart.Bar, Values: down, Stack: "s", Color: stateColors[api.StateDown]},
		{Name: web.T(lang, "state.unknown"), Kind: chart.Bar, Values: unknown, Stack: "s", Color: stateColors[api.StateUnknown]},
		{Name: web.T(lang, "chart.backlog"), Kind: chart.Line, Values: backlog, Axis: 1, Color: "#8e44ad"},
	}
	acks, err := p.acknowledgements(ctx, open)
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "national", "national.title", map[string]any{
		"Ranks": ranks, "Incidents": open, "Acks": acks, "Chart": c1.HTML(), "Names": officeNames(offices),
		"Assumption": assumption,
	})
}

// addBacklogs adds to each province the backlog and overtime of its offices
// that recorded intake in the last two weeks: the others have no files to
// model, so the national page never runs the model for 514 idle offices.
// Each office's figures are its page's default period (the last
// reportdata.PageDefaultDays days in its zone), read from the stored
// figures (reportdata.Builder.Area, one read per zone; an open outage is
// assumed to end now, as on the office and province pages: one backlog
// everywhere). It returns the assumed end of the open outages it counted,
// nil when none was open.
func (p *Pages) addBacklogs(ctx context.Context, lang string, offices []api.Office, by map[string]*provinceRank) (*time.Time, error) {
	now := p.now()
	codes, err := p.store.OfficesWithIntakeSince(ctx, calendar.DateOf(now.Add(-15*24*time.Hour), now.Location()))
	if err != nil {
		return nil, err
	}
	var (
		zones   []string
		byZone  = map[string][]api.Office{}
		counted []string
	)
	for _, o := range offices {
		if !slices.Contains(codes, o.Code) || by[o.ProvinceCode] == nil {
			continue
		}
		if byZone[o.TZ] == nil {
			zones = append(zones, o.TZ)
		}
		byZone[o.TZ] = append(byZone[o.TZ], o)
		counted = append(counted, o.Code)
	}
	if len(counted) == 0 {
		return nil, nil
	}
	open, err := p.store.OpenDownSince(ctx, counted)
	if err != nil {
		return nil, err
	}
	var assumed *time.Time
	for _, tz := range zones {
		offs := byZone[tz]
		per := defaultPeriod(officeLocation(tz), now, reportdata.PageDefaultDays)
		area, err := p.reports().Area(ctx, "ID", "Indonesia", offs, reportdata.Period{From: per.From, To: per.To})
		if err != nil {
			return nil, err
		}
		end := per.capped(now)
		for i, o := range offs {
			if since, ok := open[o.Code]; ok && since.Before(end) {
				if a := reportdata.AssumeEnd(time.Time{}, since, now); assumed == nil || a.After(*assumed) {
					assumed = &a
				}
			}
			sum := area.Offices[i]
			by[o.ProvinceCode].Backlog += sum.Backlog
			by[o.ProvinceCode].OvertimeHours += sum.Totals.OvertimeHours
		}
	}
	return assumed, nil
}
