package webui

import (
	"context"
	"fmt"
	"html/template"
	"math"
	"net/url"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/chart"
	"github.com/pantau-id/pantau/web/format"
)

// What people who know Uptime Kuma or Gatus look for on a monitor's page:
// each target's response time over a chosen span and its last checks as
// heartbeat bars.

// heartbeatCount is how many checks the bars show: at the usual 30 s to
// 5 min interval, the last 25 minutes to four hours.
const heartbeatCount = 50

// heartbeatWindow bounds how far back the bars look, so the query reads a
// day's partitions at most; a target silent for longer shows no bars.
const heartbeatWindow = 24 * time.Hour

// rtPreset is one span of the response-time chart.
type rtPreset struct {
	Key   string // the ?rt= value
	Label string // key of its message
	Span  time.Duration
}

// rtPresets are the spans offered, the first the default.
var rtPresets = []rtPreset{
	{"24h", "rt.24h", 24 * time.Hour},
	{"7d", "rt.7d", 7 * 24 * time.Hour},
	{"30d", "rt.30d", 30 * 24 * time.Hour},
}

// rtLink is one preset as a link that keeps the page's other parameters.
type rtLink struct {
	Label, Href string
	Active      bool
}

// targetMonitor is one target's response-time chart and heartbeat bars.
type targetMonitor struct {
	Name, Kind string
	Chart      template.HTML // empty when no hour of the span has a rollup
	Beats      []beatBar
	// Summary is the bars' text alternative, shown under them: "48 dari 50
	// pemeriksaan terakhir berhasil; terakhir: …".
	Summary string
}

// beatBar is one check, pass or fail (not "ok": a page-wide class), with
// its time and latency in words.
type beatBar struct {
	State, Title string
}

// officeMonitor is the office page's per-target section.
type officeMonitor struct {
	Presets []rtLink
	Span    string // the chosen span in words
	Targets []targetMonitor
}

// parseRT reads ?rt= (24h, 7d, 30d; default 24h).
func parseRT(c *gin.Context) (rtPreset, error) {
	s := c.Query("rt")
	if s == "" {
		return rtPresets[0], nil
	}
	for _, p := range rtPresets {
		if p.Key == s {
			return p, nil
		}
	}
	return rtPreset{}, api.FieldErrorf("rt", "want 24h, 7d or 30d")
}

// monitor builds the per-target section of office o's page: response
// times over the span from the hourly rollups (closed hours up to now),
// heartbeats from the raw results. q is the page's query, kept by the
// preset links.
func (p *Pages) monitor(ctx context.Context, lang string, o api.Office, rt rtPreset, q url.Values, now time.Time) (*officeMonitor, error) {
	loc := officeLocation(o.TZ)
	m := &officeMonitor{Span: web.T(lang, rt.Label)}
	for _, pr := range rtPresets {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Set("rt", pr.Key)
		m.Presets = append(m.Presets, rtLink{Label: web.T(lang, pr.Label), Href: "?" + v.Encode() + "#targets", Active: pr.Key == rt.Key})
	}
	targets, err := p.store.Targets(ctx, o.Code)
	if err != nil {
		return nil, err
	}
	end := now.Truncate(time.Hour)
	start := end.Add(-rt.Span)
	rolls, err := p.store.Rollups(ctx, api.RollupFilter{OfficeCode: o.Code, From: start, To: end})
	if err != nil {
		return nil, fmt.Errorf("response times of %s: %w", o.Code, err)
	}
	beats, err := p.store.Heartbeats(ctx, o.Code, now.Add(-heartbeatWindow), now, heartbeatCount)
	if err != nil {
		return nil, err
	}
	hours := make([]time.Time, 0, int(rt.Span/time.Hour))
	for h := start; h.Before(end); h = h.Add(time.Hour) {
		hours = append(hours, h)
	}
	labels := make([]string, len(hours))
	for i, h := range hours {
		labels[i] = hourLabel(lang, h.In(loc), rt.Span > 24*time.Hour)
	}
	for _, tg := range targets {
		tm := targetMonitor{Name: tg.Spec.Name, Kind: web.T(lang, "rt.kind."+string(tg.Spec.Kind))}
		tm.Chart = latencyChart(lang, o.TZ, tg, hours, labels, rolls)
		tm.Beats, tm.Summary = heartbeatBars(lang, loc, beats[tg.ID])
		m.Targets = append(m.Targets, tm)
	}
	return m, nil
}

// hourLabel writes an hour on the chart's axis in the office's zone:
// "15.00", or "07/12 15.00" when the span has several days.
func hourLabel(lang string, t time.Time, withDay bool) string {
	s := format.Clock(lang, t)
	if withDay {
		s = fmt.Sprintf("%02d/%02d %s", t.Day(), t.Month(), s)
	}
	return s
}

// latencyChart draws p50 and p95 of tg's successful checks per hour, one
// pair of lines per probe of the office (the plan has one), with gaps
// where an hour has no success; empty when no hour has a value.
func latencyChart(lang, tz string, tg api.Target, hours []time.Time, labels []string, rolls []api.Rollup) template.HTML {
	// By Unix second: the store's times come in another location, and a
	// time.Time key compares its location too.
	at := make(map[int64]int, len(hours))
	for i, h := range hours {
		at[h.Unix()] = i
	}
	type pair struct{ p50, p95 []float64 }
	byProbe := map[int64]*pair{}
	var probes []int64
	seen := false
	for _, r := range rolls {
		if r.TargetID != tg.ID {
			continue
		}
		i, ok := at[r.Hour.Unix()]
		if !ok {
			continue
		}
		pp := byProbe[r.ProbeID]
		if pp == nil {
			pp = &pair{nanSlice(len(hours)), nanSlice(len(hours))}
			byProbe[r.ProbeID] = pp
			probes = append(probes, r.ProbeID)
		}
		if r.P50 != nil {
			pp.p50[i], seen = float64(*r.P50), true
		}
		if r.P95 != nil {
			pp.p95[i] = float64(*r.P95)
		}
	}
	if !seen {
		return ""
	}
	c := chart.Category{ID: "chart_latency_" + strconv.FormatInt(tg.ID, 10),
		// The target's name is the heading above; a short title fits a phone.
		Title:  web.T(lang, "rt.title") + " · " + web.ZoneLabel(tz),
		Labels: labels, AxisNames: [2]string{"ms", ""}, Height: "240px", Lang: lang}
	for _, id := range probes {
		suffix := ""
		if len(probes) > 1 {
			suffix = " · probe " + strconv.FormatInt(id, 10)
		}
		c.Series = append(c.Series,
			chart.Series{Name: "p50" + suffix, Kind: chart.Line, Values: byProbe[id].p50, Color: "#1f6aa5"},
			chart.Series{Name: "p95" + suffix, Kind: chart.Line, Values: byProbe[id].p95, Color: "#b9770e"})
	}
	return c.HTML()
}

func nanSlice(n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

// heartbeatBars turns a target's last checks (oldest first) into bars and
// their text alternative.
func heartbeatBars(lang string, loc *time.Location, hs []api.Heartbeat) ([]beatBar, string) {
	if len(hs) == 0 {
		return nil, web.T(lang, "hb.none")
	}
	bars := make([]beatBar, len(hs))
	okN := 0
	for i, h := range hs {
		bars[i] = beatBar{State: "pass", Title: beatText(lang, loc, h)}
		if h.OK {
			okN++
		} else {
			bars[i].State = "fail"
		}
	}
	last := hs[len(hs)-1]
	return bars, fmt.Sprintf(web.T(lang, "hb.summary"), format.Int(lang, int64(okN)), format.Int(lang, int64(len(hs))), beatText(lang, loc, last))
}

// beatText is one check in words: "7 Desember 2026 10.15 WITA: berhasil,
// 23 ms" or "…: gagal (timeout)".
func beatText(lang string, loc *time.Location, h api.Heartbeat) string {
	s := format.DateTime(lang, h.ObservedAt.In(loc)) + ": "
	if h.OK {
		return s + web.T(lang, "hb.ok") + ", " + format.Number(lang, h.LatencyMS, 0) + " ms"
	}
	return s + web.T(lang, "hb.fail") + " (" + h.Failure + ")"
}
