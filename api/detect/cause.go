package detect

import (
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Series is what is known of one stored series: when its first result was
// observed (zero when it has none) and its down and unknown spans.
type Series struct {
	First time.Time
	Spans []Span
}

// StateAt is the series' state at t: unknown before its first result or
// inside an unknown span, down inside a down span, up otherwise. Spans are
// half-open, [Start, End).
func (s Series) StateAt(t time.Time) api.State {
	if s.First.IsZero() || t.Before(s.First) {
		return api.StateUnknown
	}
	for _, sp := range s.Spans {
		if !t.Before(sp.Start) && (sp.End == nil || t.Before(*sp.End)) {
			if sp.Kind == api.KindDown {
				return api.StateDown
			}
			return api.StateUnknown
		}
	}
	return api.StateUp
}

// breakpoints are the instants inside [from, to) where s may change state.
func (s Series) breakpoints(from, to time.Time, into []time.Time) []time.Time {
	add := func(t time.Time) {
		if t.After(from) && t.Before(to) {
			into = append(into, t)
		}
	}
	if !s.First.IsZero() {
		add(s.First)
	}
	for _, sp := range s.Spans {
		add(sp.Start)
		if sp.End != nil {
			add(*sp.End)
		}
	}
	return into
}

// ReferenceState combines an office's internet reference series at t: up
// when any of them is up (the office reaches the internet), else down when
// any is down, else unknown.
func ReferenceState(ref []Series, t time.Time) api.State {
	st := api.StateUnknown
	for _, s := range ref {
		switch s.StateAt(t) {
		case api.StateUp:
			return api.StateUp
		case api.StateDown:
			st = api.StateDown
		}
	}
	return st
}

// Cause decides the cause of a down outage of a central target over
// [start, end) from the internet reference of the same probe. DESIGN.md
// names the clean cases (reference up: central; reference down: local); for
// mixed ones the reference's time over the span decides:
//
//   - local when the reference was down for at least as long as it was up
//     (and down at all): a short cut of the office's own line inside a long
//     central cut stays central, and a tie blames the office, not the centre;
//   - central when it was up for longer than down;
//   - unknown when the reference was never measured over the span (no
//     internet target, or its probe silent).
//
// Time the reference was unknown counts for neither side. An open outage is
// judged up to its series' last result, not up to now, so that its cause
// depends on the results alone (and a re-evaluation at a later time, or by
// another detector, gives the same answer). A span of no length (an outage
// opened by its last result) is judged by the reference at its start.
func Cause(ref []Series, start, end time.Time) api.Cause {
	if !end.After(start) {
		switch ReferenceState(ref, start) {
		case api.StateUp:
			return api.CauseCentral
		case api.StateDown:
			return api.CauseLocal
		}
		return api.CauseUnknown
	}
	up, down := ReferenceTime(ref, start, end)
	switch {
	case down > 0 && down >= up:
		return api.CauseLocal
	case up > down:
		return api.CauseCentral
	}
	return api.CauseUnknown
}

// ReferenceTime measures how long the reference was up and down within
// [start, end).
func ReferenceTime(ref []Series, start, end time.Time) (up, down time.Duration) {
	if !end.After(start) {
		return 0, 0
	}
	pts := []time.Time{start, end}
	for _, s := range ref {
		pts = s.breakpoints(start, end, pts)
	}
	slices.SortFunc(pts, func(a, b time.Time) int { return a.Compare(b) })
	pts = slices.CompactFunc(pts, func(a, b time.Time) bool { return a.Equal(b) })
	for i := 0; i+1 < len(pts); i++ {
		d := pts[i+1].Sub(pts[i])
		switch ReferenceState(ref, pts[i]) {
		case api.StateUp:
			up += d
		case api.StateDown:
			down += d
		}
	}
	return up, down
}

// OutageCause is the cause stored with a span: unknown spans are unknown,
// outages of an internet target are local (the office's own link), and a
// central target's outage is judged by Cause up to its end, or while open up
// to lastAt, the series' last result.
func OutageCause(targetKind string, sp Span, ref []Series, lastAt time.Time) api.Cause {
	if sp.Kind == api.KindUnknown {
		return api.CauseUnknown
	}
	if targetKind != "central" {
		return api.CauseLocal
	}
	end := lastAt
	if sp.End != nil {
		end = *sp.End
	}
	return Cause(ref, sp.Start, end)
}
