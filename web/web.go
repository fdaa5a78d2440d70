// Package web holds Pantau's page templates and static assets (the CSS, the
// small scripts, and ECharts at a pinned version), embedded so a server whose
// office has lost its internet link still serves complete pages: nothing is
// ever loaded from a CDN.
package web

import (
	"embed"
	"io/fs"
)

// EChartsVersion is the pinned ECharts release under static/echarts/ (the
// one go-echarts v2.6.7 generates options for), with its LICENSE beside it.
const EChartsVersion = "5.6.0"

// StaticPrefix is the URL path the static assets are served under.
const StaticPrefix = "/static/"

// EChartsHost is the local URL directory of echarts.min.js, for go-echarts'
// AssetsHost.
const EChartsHost = StaticPrefix + "echarts/" + EChartsVersion + "/"

//go:embed templates/*.html
var templates embed.FS

//go:embed static
var static embed.FS

// Templates returns the page templates.
func Templates() fs.FS { return templates }

// Static returns the static assets, rooted so that "pantau.css" is at the top.
func Static() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the directory is embedded above; this cannot fail
	}
	return sub
}
