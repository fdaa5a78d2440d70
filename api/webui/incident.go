package webui

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/chart"
	"github.com/pantau-id/pantau/web/format"
)

// chartIncident is the incident page's chart of offices down over time.
const chartIncident = "chart_incident"

// incidentView is the incident page: the incident narrowed to the viewer's
// scope, in the viewer's zone.
type incidentView struct {
	Incident api.Incident
	TZ       string // the viewer's zone: their office's or province's, else WIB
	Zone     string // its label
	Open     bool
	Duration time.Duration // to now while open
	// Ack is the Slack acknowledgement in words, empty while none.
	Ack     string
	Offices []incidentOfficeRow
	Events  []incidentEvent
	Chart   template.HTML
	// Partial is set when the viewer sees fewer offices than the
	// incident's peak: the page says only their scope's are listed.
	Partial string
}

// incidentOfficeRow is one office's part in the incident.
type incidentOfficeRow struct {
	Code, Name string
	Start      time.Time
	End        *time.Time
	Duration   time.Duration
}

// incidentEvent is an office joining (going down) or leaving (recovering).
type incidentEvent struct {
	At         time.Time
	Code, Name string
	Join       bool
}

// IncidentPage serves /incidents/:id: the offices joining and leaving over
// time (chart and chronology), cause, scope, start, end and duration in
// the viewer's zone, and the Slack acknowledgement. An incident with no
// office in the viewer's scope is 404, as one that does not exist.
func (p *Pages) IncidentPage(c *gin.Context) error {
	ctx := c.Request.Context()
	lang := auth.LangOf(c)
	in, err := p.guard.IncidentInScope(c, c.Param("id"))
	if err != nil {
		return err
	}
	offices, err := p.guard.OfficesInScope(c, api.OfficeFilter{})
	if err != nil {
		return err
	}
	names := make(map[string]string, len(offices))
	for _, o := range offices {
		names[o.Code] = o.Name
	}
	now := p.now()
	v := &incidentView{Incident: in, TZ: p.viewerZone(ctx, auth.ScopeOf(c)), Open: in.EndedAt == nil}
	v.Zone = web.ZoneLabel(v.TZ)
	end := now
	if in.EndedAt != nil {
		end = *in.EndedAt
	}
	v.Duration = end.Sub(in.StartedAt)
	for _, o := range in.Offices {
		name := names[o.OfficeCode]
		if name == "" {
			name = o.OfficeCode
		}
		oe := now
		if o.EndedAt != nil {
			oe = *o.EndedAt
		}
		v.Offices = append(v.Offices, incidentOfficeRow{Code: o.OfficeCode, Name: name, Start: o.StartedAt, End: o.EndedAt, Duration: oe.Sub(o.StartedAt)})
		v.Events = append(v.Events, incidentEvent{At: o.StartedAt, Code: o.OfficeCode, Name: name, Join: true})
		if o.EndedAt != nil {
			v.Events = append(v.Events, incidentEvent{At: *o.EndedAt, Code: o.OfficeCode, Name: name})
		}
	}
	slices.SortStableFunc(v.Events, func(a, b incidentEvent) int { return a.At.Compare(b.At) })
	if len(in.Offices) < in.PeakOffices {
		v.Partial = fmt.Sprintf(web.T(lang, "inc.partial"), format.Int(lang, int64(len(in.Offices))), format.Int(lang, int64(in.PeakOffices)))
	}
	ack, err := p.store.Escalation().Acknowledgement(ctx, in.ID)
	switch {
	case err == nil && ack.At != nil:
		v.Ack = fmt.Sprintf(web.T(lang, "inc.ack.by"), ack.Who(), web.FormatTime(lang, v.TZ, *ack.At))
	case err != nil && api.ErrorCode(err) != api.ENotFound:
		return err
	}
	v.Chart = incidentChart(lang, v.TZ, in.StartedAt, end, in.Offices, now)
	return p.render(c, http.StatusOK, "incident", "inc.title", v)
}

// incidentLink is an open incident as the board lists it.
type incidentLink struct {
	ID      int64
	Scope   string // its label: kantor, provinsi, nasional
	Since   string // its start in the viewer's zone
	Offices string // the viewer's offices in it, by name
}

// maxBoardIncidents bounds the board's list; the province and national
// pages list them all.
const maxBoardIncidents = 20

// openIncidents lists the open incidents with an office in the caller's
// scope, newest first, for the board.
func (p *Pages) openIncidents(c *gin.Context) ([]incidentLink, error) {
	ctx := c.Request.Context()
	sc := auth.ScopeOf(c)
	office, province, err := sc.Narrow("", "")
	if err != nil {
		return nil, err
	}
	is, err := p.store.Incidents(ctx, api.IncidentFilter{OfficeCode: office, ProvinceCode: province, OpenOnly: true, Limit: maxBoardIncidents})
	if err != nil {
		return nil, err
	}
	if len(is) == 0 {
		return nil, nil
	}
	offices, err := p.guard.OfficesInScope(c, api.OfficeFilter{})
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(offices))
	for _, o := range offices {
		names[o.Code] = o.Name
	}
	lang, tz := auth.LangOf(c), p.viewerZone(ctx, sc)
	var out []incidentLink
	for _, in := range is {
		in, ok := sc.Incident(in)
		if !ok {
			continue
		}
		l := incidentLink{ID: in.ID, Scope: web.T(lang, "scope."+in.Scope), Since: web.FormatTime(lang, tz, in.StartedAt)}
		for i, o := range in.Offices {
			if i == 3 {
				l.Offices += fmt.Sprintf(", +%d", len(in.Offices)-3)
				break
			}
			if i > 0 {
				l.Offices += ", "
			}
			l.Offices += cmp.Or(names[o.OfficeCode], o.OfficeCode)
		}
		out = append(out, l)
	}
	return out, nil
}

// incidentSteps are the bucket widths the incident chart may use; the
// first that gives at most maxIncidentBuckets buckets is taken.
var incidentSteps = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour}

const maxIncidentBuckets = 96

// incidentChart shows, per time bucket from start to end, the most offices
// (of those listed) down at once within it, labelled in zone tz.
func incidentChart(lang, tz string, start, end time.Time, offices []api.IncidentOffice, now time.Time) template.HTML {
	loc := officeLocation(tz)
	step := incidentSteps[len(incidentSteps)-1]
	for _, s := range incidentSteps {
		if end.Sub(start.Truncate(s)) <= time.Duration(maxIncidentBuckets)*s {
			step = s
			break
		}
	}
	from := start.Truncate(step)
	var labels []string
	var values []float64
	multiDay := end.Sub(from) > 24*time.Hour
	for a := from; a.Before(end) || a.Equal(from); a = a.Add(step) {
		labels = append(labels, hourLabel(lang, a.In(loc), multiDay))
		values = append(values, float64(peakDown(offices, a, a.Add(step), now)))
	}
	// The title is the card's heading: drawn on the canvas it would be
	// cut on a phone.
	c := chart.Category{ID: chartIncident, Labels: labels,
		AxisNames: [2]string{web.T(lang, "inc.chart.offices"), ""}, Height: "260px", Lang: lang, Whole: true,
		Series: []chart.Series{{Name: web.T(lang, "state.down"), Kind: chart.Line, Step: true, Values: values, Color: stateColors[api.StateDown]}}}
	return c.HTML()
}

// peakDown is the most of offices down at one moment within [a, b).
func peakDown(offices []api.IncidentOffice, a, b, now time.Time) int {
	type edge struct {
		at    time.Time
		delta int
	}
	var edges []edge
	for _, o := range offices {
		e := now
		if o.EndedAt != nil {
			e = *o.EndedAt
		}
		lo, hi := later(o.StartedAt, a), earlier(e, b)
		if !lo.Before(hi) {
			continue
		}
		edges = append(edges, edge{lo, 1}, edge{hi, -1})
	}
	// Leaving before joining at the same instant: a hand-over is not two
	// offices down at once.
	slices.SortFunc(edges, func(x, y edge) int {
		if c := x.at.Compare(y.at); c != 0 {
			return c
		}
		return x.delta - y.delta
	})
	n, peak := 0, 0
	for _, e := range edges {
		n += e.delta
		peak = max(peak, n)
	}
	return peak
}
