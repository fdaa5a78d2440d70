// Package sla measures an office's availability over a period from state
// intervals (up, down, unknown, maintenance): 24×7 and in working hours,
// with the number of outages, the longest, MTTR and MTBF. Unknown and
// maintenance time are excluded from the availability share and reported
// beside it, never counted as up or down; every share carries the time it
// was measured over and whether that covers enough of the period.
package sla

import (
	"fmt"
	"slices"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// State is what was known about the office's central link.
type State string

// States, in rising precedence: where intervals overlap, the later one in
// this list wins (a planned window stays maintenance even if probes
// failed; a failure beats a silence).
const (
	Up          State = "up"
	Unknown     State = "unknown"
	Down        State = "down"
	Maintenance State = "maintenance"
)

var rank = map[State]int{Up: 0, Unknown: 1, Down: 2, Maintenance: 3}

// Span is one state over [Start, End), UTC.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	State State     `json:"state"`
}

// MinCoverage is the share of a period (maintenance aside) whose link
// state must be known for its availability to stand on its own: below it
// pages say "data belum cukup" beside the measured figure.
const MinCoverage = 0.9

// Time splits a stretch of time by state.
type Time struct {
	Up          calendar.Duration `json:"up"`
	Down        calendar.Duration `json:"down"`
	Unknown     calendar.Duration `json:"unknown"`
	Maintenance calendar.Duration `json:"maintenance"`
	// Availability is Up / (Up + Down); nil when neither was seen.
	Availability *float64 `json:"availability"`
	// Period is the time the figure is about (the whole period, or its
	// working time) and Measured the part whose state was seen (Up +
	// Down): "diukur 4 mnt dari 14 hari". Coverage is Measured / (Period −
	// Maintenance), nil when all of it was maintenance; Enough is Coverage
	// ≥ MinCoverage.
	Period   calendar.Duration `json:"period"`
	Measured calendar.Duration `json:"measured"`
	Coverage *float64          `json:"coverage"`
	Enough   bool              `json:"enough"`
}

func (t *Time) add(s State, d time.Duration) {
	switch s {
	case Up:
		t.Up += calendar.Duration(d)
	case Down:
		t.Down += calendar.Duration(d)
	case Unknown:
		t.Unknown += calendar.Duration(d)
	default:
		t.Maintenance += calendar.Duration(d)
	}
}

// Finish computes the shares from the durations (Availability, Period,
// Measured, Coverage, Enough); SumAvailability calls it after adding.
func (t *Time) Finish() {
	t.Availability, t.Coverage, t.Enough = nil, nil, false
	t.Measured = t.Up + t.Down
	t.Period = t.Up + t.Down + t.Unknown + t.Maintenance
	if t.Measured > 0 {
		v := float64(t.Up) / float64(t.Measured)
		t.Availability = &v
	}
	if known := t.Period - t.Maintenance; known > 0 {
		c := float64(t.Measured) / float64(known)
		t.Coverage = &c
		t.Enough = c >= MinCoverage
	}
}

// Report is an office's availability over [From, To).
type Report struct {
	From         time.Time `json:"from"`
	To           time.Time `json:"to"`
	All          Time      `json:"all"`           // 24×7
	WorkingHours Time      `json:"working_hours"` // the office's working time only
	// Outages counts stretches of down time. Unknown or maintenance between
	// two down stretches does not end an outage (nothing showed the link
	// up), but only down time counts toward its length.
	Outages int               `json:"outages"`
	Longest calendar.Duration `json:"longest"`
	// MTTR is down time per outage (zero without outages). MTBF is the
	// mean up time between two outages: UpBetween (up time after the
	// first outage and before the last) over Outages − 1; zero, and not to
	// be shown, with fewer than two outages (HasMTBF).
	MTTR      calendar.Duration `json:"mttr"`
	MTBF      calendar.Duration `json:"mtbf"`
	UpBetween calendar.Duration `json:"up_between"`
}

// HasMTBF reports whether MTBF means anything: two outages or more.
func (r Report) HasMTBF() bool { return r.Outages >= 2 }

// segment is an elementary stretch with one state.
type segment struct {
	a, b time.Time
	s    State
}

// Compute measures [from, to). Time no span covers is unknown.
func Compute(spans []Span, from, to time.Time, cal *calendar.Calendar) (Report, error) {
	if !to.After(from) {
		return Report{}, fmt.Errorf("sla: period %s..%s is empty", from, to)
	}
	m := NewMeter(from)
	if err := m.Add(spans, to, cal.WorkingSpans(from, to)); err != nil {
		return Report{}, err
	}
	return m.Report(), nil
}

// Meter measures a period piece by piece: Compute is one Meter over
// [from, to), and a Meter stopped at any instant and carried on (after
// being kept as JSON) gives the same Report. Stored report figures keep
// one at the start of an office's today and add today's part on each
// read (api/reportdata).
type Meter struct {
	From time.Time `json:"from"`
	At   time.Time `json:"at"` // measured up to here
	// The report's sums so far (shares are computed by Report).
	All          Time              `json:"all"`
	WorkingHours Time              `json:"working_hours"`
	Outages      int               `json:"outages"`
	Longest      calendar.Duration `json:"longest"`
	UpBetween    calendar.Duration `json:"up_between"`
	// The fold's state at At: inside an outage (down seen since the last
	// up), its down time so far, and the up time since the last outage.
	InOutage bool              `json:"in_outage"`
	Run      calendar.Duration `json:"run"`
	UpSince  calendar.Duration `json:"up_since"`
}

// NewMeter starts measuring at from.
func NewMeter(from time.Time) *Meter { return &Meter{From: from.UTC(), At: from.UTC()} }

// Add measures [m.At, to) from spans (those outside it are ignored) and
// the office's working time in it (any spans; the parts inside count,
// as calendar.WorkingSpans gives them).
func (m *Meter) Add(spans []Span, to time.Time, working [][2]time.Time) error {
	for i, s := range spans {
		if _, ok := rank[s.State]; !ok {
			return fmt.Errorf("sla: spans[%d]: state: unknown %q", i, s.State)
		}
		if !s.End.After(s.Start) {
			return fmt.Errorf("sla: spans[%d]: end %s not after start %s", i, s.End, s.Start)
		}
	}
	if !to.After(m.At) {
		return nil
	}
	segs := flatten(spans, m.At, to)
	for _, g := range segs {
		m.All.add(g.s, g.b.Sub(g.a))
		switch {
		case g.s == Down:
			if !m.InOutage {
				if m.Outages > 0 {
					// Up time since the last outage counts only once
					// another outage closes the gap.
					m.UpBetween += m.UpSince
				}
				m.Outages++
				m.InOutage, m.Run, m.UpSince = true, 0, 0
			}
			m.Run += calendar.Duration(g.b.Sub(g.a))
			m.Longest = max(m.Longest, m.Run)
		case g.s == Up:
			m.InOutage = false
			m.UpSince += calendar.Duration(g.b.Sub(g.a))
		}
	}
	for _, w := range working {
		lo, hi := later(w[0], m.At), earlier(w[1], to)
		if !lo.Before(hi) {
			continue
		}
		for _, g := range segs {
			a, b := later(g.a, lo), earlier(g.b, hi)
			if a.Before(b) {
				m.WorkingHours.add(g.s, b.Sub(a))
			}
		}
	}
	m.At = to.UTC()
	return nil
}

// Report is the availability measured so far, over [From, At).
func (m *Meter) Report() Report {
	r := Report{From: m.From, To: m.At, All: m.All, WorkingHours: m.WorkingHours, Outages: m.Outages,
		Longest: m.Longest, UpBetween: m.UpBetween}
	r.All.Finish()
	r.WorkingHours.Finish()
	if r.Outages > 0 {
		r.MTTR = r.All.Down / calendar.Duration(r.Outages)
	}
	if r.HasMTBF() {
		r.MTBF = r.UpBetween / calendar.Duration(r.Outages-1)
	}
	return r
}

// flatten cuts [from, to) at every span boundary and gives each piece the
// highest-precedence state covering it (unknown if none).
func flatten(spans []Span, from, to time.Time) []segment {
	cuts := []time.Time{from, to}
	for _, s := range spans {
		for _, t := range []time.Time{s.Start, s.End} {
			if t.After(from) && t.Before(to) {
				cuts = append(cuts, t)
			}
		}
	}
	slices.SortFunc(cuts, time.Time.Compare)
	cuts = slices.CompactFunc(cuts, time.Time.Equal)
	byStart := slices.Clone(spans)
	slices.SortFunc(byStart, func(a, b Span) int { return a.Start.Compare(b.Start) })
	var out []segment
	var active []Span
	next := 0
	for i := 0; i+1 < len(cuts); i++ {
		a, b := cuts[i], cuts[i+1]
		for next < len(byStart) && !byStart[next].Start.After(a) {
			active = append(active, byStart[next])
			next++
		}
		active = slices.DeleteFunc(active, func(s Span) bool { return !s.End.After(a) })
		st := Unknown
		best := -1
		for _, s := range active {
			if rank[s.State] > best {
				st, best = s.State, rank[s.State]
			}
		}
		if n := len(out); n > 0 && out[n-1].s == st {
			out[n-1].b = b
			continue
		}
		out = append(out, segment{a, b, st})
	}
	return out
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
