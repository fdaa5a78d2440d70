package detect

import (
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
)

// OfficeStateAt combines an office's central series at t: down when any
// central target is down (a part of the central registry is unreachable),
// else up when any is up, else unknown (never measured, or silent).
func OfficeStateAt(central []Series, t time.Time) api.State {
	st := api.StateUnknown
	for _, s := range central {
		switch s.StateAt(t) {
		case api.StateDown:
			return api.StateDown
		case api.StateUp:
			st = api.StateUp
		}
	}
	return st
}

// Window is a maintenance window's span, [Start, End).
type Window struct {
	ID         int64
	Start, End time.Time
}

// inWindow returns the window covering t, if any.
func inWindow(ws []Window, t time.Time) (Window, bool) {
	for _, w := range ws {
		if !t.Before(w.Start) && t.Before(w.End) {
			return w, true
		}
	}
	return Window{}, false
}

// Timeline is an office's state over [from, to): maximal intervals of up,
// down, unknown, and maintenance, which hides nothing: Underlying keeps the
// measured state under it. Callers cap to at now; the future has no state.
func Timeline(central []Series, windows []Window, from, to time.Time) []api.StateInterval {
	if !to.After(from) {
		return nil
	}
	pts := []time.Time{from, to}
	for _, s := range central {
		pts = s.breakpoints(from, to, pts)
	}
	for _, w := range windows {
		for _, t := range []time.Time{w.Start, w.End} {
			if t.After(from) && t.Before(to) {
				pts = append(pts, t)
			}
		}
	}
	slices.SortFunc(pts, func(a, b time.Time) int { return a.Compare(b) })
	pts = slices.CompactFunc(pts, func(a, b time.Time) bool { return a.Equal(b) })
	var out []api.StateInterval
	for i := 0; i+1 < len(pts); i++ {
		iv := api.StateInterval{State: OfficeStateAt(central, pts[i]), From: pts[i], To: pts[i+1]}
		if _, ok := inWindow(windows, pts[i]); ok {
			iv.State, iv.Underlying = api.StateMaintenance, iv.State
		}
		if n := len(out); n > 0 && out[n-1].State == iv.State && out[n-1].Underlying == iv.Underlying {
			out[n-1].To = iv.To
			continue
		}
		out = append(out, iv)
	}
	return out
}

// Current is an office's state at now and since when it has been in it,
// derived from the same timeline as Timeline (so the two always agree).
// lookback bounds how far back "since" is searched; an office in the same
// state for longer reports the start of the lookback.
func Current(central []Series, windows []Window, now time.Time, lookback time.Duration) (api.StateInterval, *Window) {
	tl := Timeline(central, windows, now.Add(-lookback), now.Add(time.Nanosecond))
	if len(tl) == 0 {
		return api.StateInterval{State: api.StateUnknown}, nil
	}
	cur := tl[len(tl)-1]
	cur.To = now
	if w, ok := inWindow(windows, now); ok {
		return cur, &w
	}
	return cur, nil
}

// Totals sums a timeline by state. SLA availability is up / (up + down):
// maintenance and unknown time are reported beside it, never counted as
// either (DESIGN.md).
func Totals(tl []api.StateInterval) map[api.State]time.Duration {
	out := map[api.State]time.Duration{}
	for _, iv := range tl {
		out[iv.State] += iv.To.Sub(iv.From)
	}
	return out
}

// Availability is the share of measured, non-maintenance time that was up;
// ok is false when there was none.
func Availability(tl []api.StateInterval) (share float64, ok bool) {
	t := Totals(tl)
	measured := t[api.StateUp] + t[api.StateDown]
	if measured == 0 {
		return 0, false
	}
	return float64(t[api.StateUp]) / float64(measured), true
}
