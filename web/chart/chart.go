// Package chart turns figures into go-echarts charts for Pantau's pages. It
// knows nothing of offices or reports: callers pass labels and numbers. Every
// chart loads ECharts from Pantau's own static path (web.EChartsHost), never
// from a CDN, and is rendered as a snippet (a div and its script) that a
// page template places where it wants; the page loads echarts.min.js once,
// deferred, and static/charts.js draws the queued charts once it is there.
package chart

import (
	"html/template"
	"math"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"
	"github.com/go-echarts/go-echarts/v2/types"

	"github.com/pantau-id/pantau/web"
)

// Kinds of Series.
const (
	Bar  = "bar"
	Line = "line"
)

// Series is one named row of values, one per category label.
type Series struct {
	Name   string
	Kind   string    // Bar or Line
	Values []float64 // NaN is a gap (lines only)
	Stack  string    // bars with the same Stack pile up
	Axis   int       // 0: left value axis, 1: right
	Color  string
	// Step draws a line as steps filled below (a count that holds until
	// it changes, such as offices down).
	Step bool
}

// Band shades the categories From..To (labels, inclusive), as outages are
// shaded on the backlog chart.
type Band struct {
	Name     string
	From, To string
}

// Category is a chart over category labels (days, hours, provinces).
type Category struct {
	ID     string // element id: stable, so tests find it; a JS identifier (go-echarts names variables after it)
	Title  string
	Labels []string
	Series []Series
	Bands  []Band
	// AxisNames label the left and, when a series uses it, right axis.
	AxisNames [2]string
	Height    string // CSS height; default 320px
	// Lang writes axis labels and tooltip values: "id" (the default)
	// 1.234,5; "en" 1,234.5.
	Lang string
	// Whole keeps the left axis on whole numbers (counts of offices).
	Whole bool
}

// numberFormatter is the ECharts callback writing a value as lang reads
// numbers (Intl.NumberFormat: 1.234,5 in id-ID).
func numberFormatter(lang string) types.FuncStr {
	locale := "id-ID"
	if lang == "en" {
		locale = "en-GB"
	}
	// Single quotes: go-echarts escapes double ones inside the option.
	return opts.FuncOpts(`function (v) { return (typeof v === 'number') ? new Intl.NumberFormat('` + locale + `', {maximumFractionDigits: 1}).format(v) : v; }`)
}

func initOpts(id, height string) charts.GlobalOpts {
	if height == "" {
		height = "320px"
	}
	return charts.WithInitializationOpts(opts.Initialization{
		ChartID: id, Width: "100%", Height: height, AssetsHost: web.EChartsHost,
	})
}

// HTML renders the chart as a snippet.
func (c Category) HTML() template.HTML {
	bar := charts.NewBar()
	global := []charts.GlobalOpts{
		initOpts(c.ID, c.Height),
		charts.WithTitleOpts(opts.Title{Title: c.Title, Left: "center", TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", ValueFormatter: numberFormatter(c.Lang)}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(true), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "48", Right: "48", Top: "40", Bottom: "64"}),
		charts.WithYAxisOpts(opts.YAxis{Name: c.AxisNames[0], Type: "value", MinInterval: minInterval(c.Whole), AxisLabel: &opts.AxisLabel{Formatter: numberFormatter(c.Lang)}}),
		charts.WithAnimation(false),
	}
	bar.SetGlobalOptions(global...)
	if c.AxisNames[1] != "" {
		bar.ExtendYAxis(opts.YAxis{Name: c.AxisNames[1], Type: "value", Position: "right", SplitLine: &opts.SplitLine{Show: opts.Bool(false)},
			AxisLabel: &opts.AxisLabel{Formatter: numberFormatter(c.Lang)}})
	}
	bar.SetXAxis(c.Labels)
	var lines *charts.Line
	for i, s := range c.Series {
		so := []charts.SeriesOpts{}
		if s.Color != "" {
			so = append(so, charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Color}))
		}
		if i == 0 && len(c.Bands) > 0 {
			so = append(so, bands(c.Bands)...)
		}
		if s.Kind == Line {
			if lines == nil {
				lines = charts.NewLine()
				lines.SetXAxis(c.Labels)
			}
			lo := opts.LineChart{YAxisIndex: s.Axis, Smooth: opts.Bool(false)}
			// Markers on every point blur a line of many points into a band.
			if len(c.Labels) > 48 {
				lo.ShowSymbol = opts.Bool(false)
			}
			if s.Step {
				lo.Step = "end"
				so = append(so, charts.WithAreaStyleOpts(opts.AreaStyle{Opacity: opts.Float(0.35)}))
			}
			so = append(so, charts.WithLineChartOpts(lo))
			lines.AddSeries(s.Name, lineData(s.Values), so...)
			continue
		}
		so = append(so, charts.WithBarChartOpts(opts.BarChart{Stack: s.Stack, YAxisIndex: s.Axis}))
		bar.AddSeries(s.Name, barData(s.Values), so...)
	}
	if lines != nil {
		bar.Overlap(lines)
	}
	return snippet(bar.Renderer)
}

func minInterval(whole bool) float64 {
	if whole {
		return 1
	}
	return 0
}

// bands shades each band on the series it is attached to.
func bands(bs []Band) []charts.SeriesOpts {
	items := make([]opts.MarkAreaNameCoordItem, len(bs))
	for i, b := range bs {
		items[i] = opts.MarkAreaNameCoordItem{
			Name:        b.Name,
			Coordinate0: []interface{}{b.From, "min"},
			Coordinate1: []interface{}{b.To, "max"},
			ItemStyle:   &opts.ItemStyle{Color: "rgba(220, 53, 69, 0.15)"},
		}
	}
	return []charts.SeriesOpts{
		charts.WithMarkAreaNameCoordItemOpts(items...),
		charts.WithMarkAreaStyleOpts(opts.MarkAreaStyle{Label: &opts.Label{Show: opts.Bool(true), Position: "insideTop", Color: "#a71d2a"}}),
	}
}

func barData(vs []float64) []opts.BarData {
	out := make([]opts.BarData, len(vs))
	for i, v := range vs {
		out[i] = opts.BarData{Value: v}
	}
	return out
}

// lineData writes NaN as ECharts' missing value "-": the line breaks
// there instead of dropping to zero (an hour without data).
func lineData(vs []float64) []opts.LineData {
	out := make([]opts.LineData, len(vs))
	for i, v := range vs {
		if math.IsNaN(v) {
			out[i] = opts.LineData{Value: "-"}
			continue
		}
		out[i] = opts.LineData{Value: v}
	}
	return out
}

// snippet renders a chart's element and its setup. go-echarts' setup calls
// echarts.init at once, so it would need echarts.min.js loaded before it,
// blocking the page's first paint. The setup is wrapped in a function
// queued on window.pantauCharts with its box instead; static/charts.js
// loads the library after the first paint and draws each chart as it
// comes into view.
func snippet(r render.Renderer) template.HTML {
	s := r.RenderSnippet()
	// The snippet is go-echarts' own output over our numbers and labels,
	// which it escapes as JSON.
	return template.HTML(`<div class="chart">` + s.Element + deferScript(s.Script) + `</div>`) //nolint:gosec
}

// deferScript turns go-echarts' <script>…</script> into one that queues
// its body (chart variables stay local to the function).
func deferScript(script string) string {
	body := strings.TrimSpace(script)
	if i := strings.Index(body, ">"); strings.HasPrefix(body, "<script") && i >= 0 {
		body = body[i+1:]
	}
	body = strings.TrimSuffix(strings.TrimSpace(body), "</script>")
	// The chart's box (div.chart) goes with it, so charts.js can draw a
	// chart when it scrolls into view.
	return "<script>(window.pantauCharts = window.pantauCharts || []).push({box: document.currentScript && document.currentScript.parentNode, setup: function () {" + body + "\n}});</script>"
}
