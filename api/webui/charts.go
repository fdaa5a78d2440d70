package webui

import (
	"fmt"
	"html/template"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/chart"
)

// Chart element ids: stable, so the browser tests and print styles find them.
const (
	chartTimeline = "chart_timeline"
	chartBacklog  = "chart_backlog"
	chartHeatmap  = "chart_heatmap"
	chartNational = "chart_national"
)

// stateColors are the timeline's colours, shared with the CSS badges.
var stateColors = map[api.State]string{
	api.StateUp: "#27ae60", api.StateDown: "#c0392b", api.StateUnknown: "#95a5a6", api.StateMaintenance: "#2980b9",
}

// timelineChart shows the link state as stacked minutes per bucket (hours
// for a week or less, days beyond), labelled in the office's zone: ECharts'
// own time axis would show the viewer's zone, not the office's.
func timelineChart(lang, tz string, per period, tl []api.StateInterval) template.HTML {
	step, layout := time.Hour, "02/01 15"
	if per.From.DaysUntil(per.To) >= 7 {
		step, layout = 24*time.Hour, "02/01"
	}
	var starts []time.Time
	for t := per.Start; t.Before(per.End); {
		starts = append(starts, t)
		if step == time.Hour {
			t = t.Add(time.Hour)
		} else {
			t = calendar.DateOf(t, per.Loc).AddDays(1).In(per.Loc, 0)
		}
	}
	labels := make([]string, len(starts))
	for i, t := range starts {
		labels[i] = t.In(per.Loc).Format(layout)
	}
	states := []api.State{api.StateUp, api.StateDown, api.StateUnknown, api.StateMaintenance}
	values := map[api.State][]float64{}
	for _, s := range states {
		values[s] = make([]float64, len(starts))
	}
	for i, a := range starts {
		b := per.End
		if i+1 < len(starts) {
			b = starts[i+1]
		}
		for _, iv := range tl {
			lo, hi := later(iv.From, a), earlier(iv.To, b)
			if lo.Before(hi) {
				values[iv.State][i] += hi.Sub(lo).Minutes()
			}
		}
	}
	c := chart.Category{ID: chartTimeline, Title: web.T(lang, "office.timeline") + " (" + web.ZoneLabel(tz) + ")", Labels: labels,
		AxisNames: [2]string{"min", ""}, Height: "260px", Lang: lang}
	for _, s := range states {
		c.Series = append(c.Series, chart.Series{Name: web.T(lang, "state."+string(s)), Kind: chart.Bar, Values: values[s], Stack: "state", Color: stateColors[s]})
	}
	return c.HTML()
}

// backlogChart shows received and completed files per day (bars), the
// backlog (line) and overtime hours (bars on the right axis), with outage
// days shaded.
func backlogChart(lang string, r *report.Report, outs []report.Outage, loc *time.Location) template.HTML {
	n := len(r.Days)
	labels := make([]string, n)
	recv, done, back, ot := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	for i, d := range r.Days {
		labels[i] = fmt.Sprintf("%02d/%02d", d.Date.Day, d.Date.Month)
		recv[i], done[i], back[i], ot[i] = float64(d.Received), float64(d.Completed), float64(d.Backlog), float64(d.OvertimeHours)
	}
	c := chart.Category{ID: chartBacklog, Title: web.T(lang, "office.backlog"), Labels: labels,
		AxisNames: [2]string{web.T(lang, "chart.backlog"), web.T(lang, "chart.overtime")}, Lang: lang,
		Series: []chart.Series{
			{Name: web.T(lang, "chart.received"), Kind: chart.Bar, Values: recv, Color: "#7f8c8d"},
			{Name: web.T(lang, "chart.completed"), Kind: chart.Bar, Values: done, Color: "#27ae60"},
			{Name: web.T(lang, "chart.backlog"), Kind: chart.Line, Values: back, Color: "#c0392b"},
			{Name: web.T(lang, "chart.overtime"), Kind: chart.Bar, Values: ot, Axis: 1, Color: "#f39c12"},
		}}
	if n > 0 {
		first, last := r.Days[0].Date, r.Days[n-1].Date
		for _, o := range outs {
			a, b := calendar.DateOf(o.Start, loc), calendar.DateOf(o.End.Add(-time.Nanosecond), loc)
			if o.End.IsZero() {
				b = last
			}
			if b.Before(first) || a.After(last) {
				continue
			}
			a, b = maxDate(a, first), minDate(b, last)
			c.Bands = append(c.Bands, chart.Band{Name: web.T(lang, "chart.outage"),
				From: fmt.Sprintf("%02d/%02d", a.Day, a.Month), To: fmt.Sprintf("%02d/%02d", b.Day, b.Month)})
		}
	}
	return c.HTML()
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func maxDate(a, b calendar.Date) calendar.Date {
	if a.After(b) {
		return a
	}
	return b
}

func minDate(a, b calendar.Date) calendar.Date {
	if a.Before(b) {
		return a
	}
	return b
}
