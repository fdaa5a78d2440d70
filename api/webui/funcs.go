package webui

import (
	"html/template"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
	"github.com/pantau-id/pantau/report/sla"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/format"
)

// templateFuncs are the helpers every page template may call.
func templateFuncs() template.FuncMap {
	return template.FuncMap{
		"t":    web.T,
		"zone": web.ZoneLabel,
		"time": func(lang, tz string, t any) string {
			if v, ok := asTime(t); ok {
				return web.FormatTime(lang, tz, v)
			}
			return "—"
		},
		"date": func(lang, tz string, t any) string {
			if v, ok := asTime(t); ok {
				return web.FormatDate(lang, tz, v)
			}
			return "—"
		},
		"dur": func(lang string, d any) string { return web.FormatDuration(lang, asDuration(d)) },
		"secs": func(lang string, s float64) string {
			return web.FormatDuration(lang, time.Duration(s*float64(time.Second)))
		},
		// pctl writes a percentage in the page's language (65,73 % in
		// Indonesian). There is no form without a language: one that
		// always wrote Indonesian put 65,73 % on English pages.
		"pctl": func(lang string, f float64) string { return format.Percent(lang, f, 2) },
		"int":  func(lang string, n int) string { return format.Int(lang, int64(n)) },
		// day writes a civil date as people read it: "8 Januari 2020".
		"day": func(lang string, d calendar.Date) string { return format.Day(lang, d.Year, d.Month, d.Day) },
		// measured says what an availability figure covers ("diukur 4 mnt
		// dari 14 hari; data belum cukup").
		"measured": reportdata.MeasuredText,
		"rulenote": doctype.RuleNote,
		"num":      format.Number,
		"rp":       formatRupiah,
		"deref":    deref,
		"dict":     dict,
		"upper":    strings.ToUpper,
		"slaview": func(lang string, r sla.Report) map[string]any {
			return map[string]any{"Lang": lang, "Report": r}
		},
		"outview": func(lang, tz string, outs []api.Outage) map[string]any {
			return map[string]any{"Lang": lang, "TZ": tz, "Outages": outs}
		},
		"backview": func(lang string, r *report.Report) map[string]any {
			return map[string]any{"Lang": lang, "Report": r}
		},
	}
}

func asTime(t any) (time.Time, bool) {
	switch v := t.(type) {
	case time.Time:
		return v, !v.IsZero()
	case *time.Time:
		if v != nil {
			return *v, true
		}
	}
	return time.Time{}, false
}

func asDuration(d any) time.Duration {
	switch v := d.(type) {
	case time.Duration:
		return v
	case calendar.Duration:
		return time.Duration(v)
	case float64:
		return time.Duration(v * float64(time.Second))
	}
	return 0
}

// deref follows a pointer for a template; nil gives the zero value.
func deref(v any) any {
	switch p := v.(type) {
	case *float64:
		if p != nil {
			return *p
		}
		return 0.0
	case *time.Time:
		if p != nil {
			return *p
		}
		return time.Time{}
	case *calendar.Date:
		if p != nil {
			return *p
		}
		return calendar.Date{}
	}
	return v
}

// dict builds a map from key, value pairs, to pass several values to a
// partial template.
func dict(kv ...any) map[string]any {
	m := make(map[string]any, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok {
			m[k] = kv[i+1]
		}
	}
	return m
}
