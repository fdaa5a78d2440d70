package webui

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/sla"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/chart"
)

// officeTotal is one office's line in a province's totals.
type officeTotal struct {
	Office        api.Office
	State         boardRow
	Availability  *float64
	Outages       int
	Backlog       int // at the end of the period
	OvertimeHours int
	Cost          int64
	// Report is the office's report; from the stored figures
	// (buildProvincePage with plans) only its totals, clearance and the
	// days with planned overtime, which is what the exports read.
	Report *report.Report
	// SLA, OpenSince and AssumeEnd are the office page's (exports show
	// coverage and the assumed end of an open outage per office).
	SLA                  sla.Report
	OpenSince, AssumeEnd *time.Time
}

// provinceDetail is what the province page and its report show.
type provinceDetail struct {
	Province  api.Province
	Period    period
	Offices   []officeTotal
	Incidents []api.Incident
	Acks      map[int64]api.Acknowledgement
	Totals    officeTotal
	Heatmap   template.HTML
	Names     map[string]string // office names by code, for the incidents
}

// startProvinceDetail reads the province's offices and where the period
// ends for the page (now at the latest, never before its start).
func (p *Pages) startProvinceDetail(ctx context.Context, pr api.Province, per period) (*provinceDetail, []api.Office, time.Time, error) {
	offices, err := p.store.Offices(ctx, api.OfficeFilter{ProvinceCode: pr.Code})
	if err != nil {
		return nil, nil, time.Time{}, err
	}
	end := per.capped(p.now())
	if !end.After(per.Start) {
		end = per.Start.Add(time.Second)
	}
	return &provinceDetail{Province: pr, Period: per, Names: officeNames(offices)}, offices, end, nil
}

// add counts one office's figures in the province's totals.
func (d *provinceDetail) add(t officeTotal) {
	d.Totals.Outages += t.Outages
	d.Totals.Backlog += t.Backlog
	d.Totals.OvertimeHours += t.OvertimeHours
	d.Totals.Cost += t.Cost
	d.Offices = append(d.Offices, t)
}

// finishProvinceDetail adds the heatmap from the offices' timelines, the
// province's incidents up to end and their acknowledgements.
func (p *Pages) finishProvinceDetail(ctx context.Context, lang string, d *provinceDetail, offices []api.Office, end time.Time,
	timelines map[string][]api.StateInterval) error {
	d.Heatmap = provinceHeatmap(lang, offices, d.Period, end, timelines)
	var err error
	if d.Incidents, err = p.incidents(ctx, d.Province.Code, d.Period.Start, end, false); err != nil {
		return err
	}
	d.Acks, err = p.acknowledgements(ctx, d.Incidents)
	return err
}

// provinceHeatmap is the offices' availability day by day (rows by
// office, columns by date), from each office's timeline up to end.
func provinceHeatmap(lang string, offices []api.Office, per period, end time.Time, timelines map[string][]api.StateInterval) template.HTML {
	days := per.days()
	hm := chart.Heatmap{ID: chartHeatmap, Title: web.T(lang, "province.heatmap"), Min: 0, Max: 100}
	for _, day := range days {
		hm.XLabels = append(hm.XLabels, fmt.Sprintf("%02d/%02d", day.Day, day.Month))
	}
	for y, o := range offices {
		hm.YLabels = append(hm.YLabels, o.Name)
		loc := officeLocation(o.TZ)
		for x, day := range days {
			a, b := day.In(loc, 0), earlier(day.AddDays(1).In(loc, 0), end)
			if !b.After(a) {
				continue
			}
			if share, ok := detect.Availability(clip(timelines[o.Code], a, b)); ok {
				hm.Cells = append(hm.Cells, chart.Cell{X: x, Y: y, Value: float64(int(share*1000)) / 10})
			}
		}
	}
	hm.Height = fmt.Sprintf("%dpx", 140+26*len(offices))
	return hm.HTML()
}

// buildProvincePage is what the province page, the printed province
// report and (with plans) its exports and the monthly report show: the
// offices' figures from the province report (stored figures,
// reportdata.Builder.Area), their states in one read, and the heatmap
// from the offices' timelines read at once, so the page costs what the
// report costs. With plans each office also gets its totals, clearance
// and days with planned overtime (officeTotal.Report) and, as on its
// office page, the start of its open outage and the end assumed for it.
func (p *Pages) buildProvincePage(ctx context.Context, lang string, pr api.Province, per period, plans bool) (*provinceDetail, error) {
	d, offices, end, err := p.startProvinceDetail(ctx, pr, per)
	if err != nil {
		return nil, err
	}
	var timelines map[string][]api.StateInterval
	if len(offices) > 0 {
		// An open outage is assumed to end now, as on the office page
		// (reportdata.AssumeEnd: the same instant without a what-if).
		area, err := p.reports().Area(ctx, pr.Code, pr.Name, offices, reportdata.Period{From: per.From, To: per.To, Plans: plans})
		if err != nil {
			return nil, err
		}
		states, err := p.officeStates(ctx, offices, api.OfficeFilter{ProvinceCode: pr.Code}, p.now())
		if err != nil {
			return nil, err
		}
		timelines, err = p.reports().Timelines(ctx, offices, func(o api.Office) (time.Time, time.Time) {
			q := periodIn(per, officeLocation(o.TZ))
			return q.Start, q.End
		})
		if err != nil {
			return nil, err
		}
		var open map[string]time.Time // the exports' open outages, one read
		if plans {
			codes := make([]string, len(offices))
			for i, o := range offices {
				codes[i] = o.Code
			}
			if open, err = p.store.OpenDownSince(ctx, codes); err != nil {
				return nil, err
			}
		}
		for i, o := range offices {
			sum := area.Offices[i]
			t := officeTotal{Office: o, State: boardRowOf(lang, o.TZ, o, states[i]), Backlog: sum.Backlog,
				OvertimeHours: sum.Totals.OvertimeHours, Cost: sum.Totals.Cost}
			if a := sum.Availability; a != nil {
				t.SLA, t.Availability, t.Outages = *a, a.All.Availability, a.Outages
			}
			if plans {
				t.Report = &report.Report{Totals: sum.Totals, Clearance: sum.Clearance, Days: sum.Plan}
				// What the office page says: open since before the
				// period's end, assumed to end as a build now assumes.
				now := p.now()
				if since, ok := open[o.Code]; ok && since.Before(periodIn(per, officeLocation(o.TZ)).capped(now)) {
					a := reportdata.AssumeEnd(time.Time{}, since, now)
					t.OpenSince, t.AssumeEnd = &since, &a
				}
			}
			d.add(t)
		}
	}
	return d, p.finishProvinceDetail(ctx, lang, d, offices, end, timelines)
}

// periodIn is per's dates in another office's zone (provinces may straddle
// zones only in theory, but each office's figures use its own).
func periodIn(per period, loc *time.Location) period {
	q := per
	q.Loc, q.Start, q.End = loc, per.From.In(loc, 0), per.To.AddDays(1).In(loc, 0)
	return q
}

// ProvincePage is GET /provinces/:code.
func (p *Pages) ProvincePage(c *gin.Context) error {
	pr, err := p.guard.ProvinceInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	per, err := parsePeriod(c, officeLocation(pr.TZ), p.now(), reportdata.PageDefaultDays)
	if err != nil {
		return err
	}
	d, err := p.buildProvincePage(c.Request.Context(), auth.LangOf(c), pr, per, false)
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "province", "province.title", d)
}

func officeNames(offices []api.Office) map[string]string {
	m := make(map[string]string, len(offices))
	for _, o := range offices {
		m[o.Code] = o.Name
	}
	return m
}
