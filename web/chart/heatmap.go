package chart

import (
	"html/template"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Cell is one heatmap value at (X, Y), indices into the labels.
type Cell struct {
	X, Y  int
	Value float64
}

// Heatmap is a grid of values, as availability per office (Y) and day (X).
type Heatmap struct {
	ID       string
	Title    string
	XLabels  []string
	YLabels  []string
	Cells    []Cell
	Min, Max float64
	Height   string
}

// HTML renders the heatmap as a snippet; low values are red, high green.
func (h Heatmap) HTML() template.HTML {
	hm := charts.NewHeatMap()
	height := h.Height
	if height == "" {
		height = "420px"
	}
	hm.SetGlobalOptions(
		initOpts(h.ID, height),
		charts.WithTitleOpts(opts.Title{Title: h.Title, Left: "center", TitleStyle: &opts.TextStyle{FontSize: 14}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true)}),
		charts.WithGridOpts(opts.Grid{Left: "150", Right: "24", Top: "40", Bottom: "80"}),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Data: h.XLabels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: h.YLabels, SplitArea: &opts.SplitArea{Show: opts.Bool(true)}}),
		charts.WithVisualMapOpts(opts.VisualMap{
			Calculable: opts.Bool(true), Min: float32(h.Min), Max: float32(h.Max), Orient: "horizontal", Left: "center", Bottom: "0",
			InRange: &opts.VisualMapInRange{Color: []string{"#c0392b", "#f1c40f", "#27ae60"}},
		}),
		charts.WithAnimation(false),
	)
	hm.SetXAxis(h.XLabels)
	data := make([]opts.HeatMapData, len(h.Cells))
	for i, c := range h.Cells {
		data[i] = opts.HeatMapData{Value: [3]interface{}{c.X, c.Y, c.Value}}
	}
	hm.AddSeries("availability", data, charts.WithLabelOpts(opts.Label{Show: opts.Bool(false)}))
	return snippet(hm.Renderer)
}
