package detect_test

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// expected is what the sorted stream says, computed without the database.
type expected struct {
	spans     []string
	incidents []string
}

// refSeries is the oracle's view of an internet series.
type refSeries struct {
	first time.Time
	spans []detect.Span
}

func (s refSeries) at(t time.Time) api.State {
	if s.first.IsZero() || t.Before(s.first) {
		return api.StateUnknown
	}
	for _, sp := range s.spans {
		if !t.Before(sp.Start) && (sp.End == nil || t.Before(*sp.End)) {
			return api.State(sp.Kind)
		}
	}
	return api.StateUp
}

// sampledCause decides a central outage's cause by looking at the internet
// reference second by second (all test times are whole seconds, so this is
// exact), applying DESIGN.md's rule with the majority choice for mixed spans.
func sampledCause(ref refSeries, start, end time.Time) api.Cause {
	if !end.After(start) {
		end = start.Add(time.Second) // the state at the start decides
	}
	up, down := 0, 0
	for t := start; t.Before(end); t = t.Add(time.Second) {
		switch ref.at(t) {
		case api.StateUp:
			up++
		case api.StateDown:
			down++
		}
	}
	switch {
	case down > 0 && down >= up:
		return api.CauseLocal
	case up > down:
		return api.CauseCentral
	}
	return api.CauseUnknown
}

// sortedUnique orders one series by (at, seq) and drops re-deliveries.
func sortedUnique(os []obs) []detect.Obs {
	seen := map[uint64]bool{}
	var out []detect.Obs
	for _, o := range os {
		if !seen[o.seq] {
			seen[o.seq] = true
			out = append(out, detect.Obs{At: o.at, Seq: int64(o.seq), OK: o.ok})
		}
	}
	slices.SortFunc(out, func(a, b detect.Obs) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return int(a.Seq - b.Seq)
	})
	return out
}

func fmtSpan(office, target, kind string, start time.Time, end *time.Time, by string, cause api.Cause) string {
	e := "open"
	if end != nil {
		e = fmt.Sprint(int64(end.Sub(base) / time.Second))
	}
	return fmt.Sprintf("%s/%s %s %d..%s %s %s", office, target, kind, start.Sub(base)/time.Second, e, by, cause)
}

func fmtIncident(start time.Time, end *time.Time, scope string, offices []api.IncidentOffice) string {
	s := fmtSpan("", "", scope, start, end, "", "")
	for _, o := range offices {
		s += " " + fmtSpan(o.OfficeCode, "", "", o.StartedAt, o.EndedAt, "", "")
	}
	return s
}

// oracleFor computes every series' spans from the whole sorted stream in
// one pass, the causes by sampling, and the incidents from those outages.
func oracleFor(results map[string][]obs, offices map[string]string, rules detect.Rules, now time.Time) expected {
	var ex expected
	var members []detect.Member
	for office, os := range results {
		byTarget := map[string][]obs{}
		for _, o := range os {
			byTarget[o.target] = append(byTarget[o.target], o)
		}
		sorted := map[string][]detect.Obs{}
		evaluated := map[string][]detect.Span{}
		for target, tos := range byTarget {
			sorted[target] = sortedUnique(tos)
			evaluated[target], _ = detect.Evaluate(detect.Checkpoint{}, sorted[target], rules, now)
		}
		var ref refSeries
		if s := sorted["internet"]; len(s) > 0 {
			ref = refSeries{first: s[0].At, spans: evaluated["internet"]}
		}
		for target, sps := range evaluated {
			for _, sp := range sps {
				cause := api.CauseUnknown
				switch {
				case sp.Kind == api.KindDown && target == "internet":
					cause = api.CauseLocal
				case sp.Kind == api.KindDown:
					last := sorted[target]
					end := last[len(last)-1].At
					if sp.End != nil {
						end = *sp.End
					}
					cause = sampledCause(ref, sp.Start, end)
				}
				ex.spans = append(ex.spans, fmtSpan(office, target, sp.Kind, sp.Start, sp.End, sp.EndedBy, cause))
				if target != "internet" && sp.Kind == api.KindDown && cause == api.CauseCentral {
					members = append(members, detect.Member{OfficeCode: office, ProvinceCode: offices[office], Start: sp.Start, End: sp.End})
				}
			}
		}
	}
	mon := detect.Monitored{ByProvince: map[string]int{}}
	for _, prov := range offices {
		mon.Total++
		mon.ByProvince[prov]++
	}
	for _, g := range detect.Incidents(members, mon, detect.DefaultIncidentRules) {
		ex.incidents = append(ex.incidents, fmtIncident(g.Start, g.End, g.Scope, g.Offices))
	}
	sort.Strings(ex.spans)
	sort.Strings(ex.incidents)
	return ex
}

// stored renders what the database holds in the oracle's format.
func (w *world) stored() expected {
	w.t.Helper()
	var got expected
	for _, o := range w.outages(postgresAll) {
		got.spans = append(got.spans, fmtSpan(o.OfficeCode, o.TargetName, o.Kind, o.StartedAt, o.EndedAt, o.EndedBy, o.Cause))
	}
	for _, in := range w.incidents(postgresAllIncidents) {
		got.incidents = append(got.incidents, fmtIncident(in.StartedAt, in.EndedAt, in.Scope, in.Offices))
	}
	sort.Strings(got.spans)
	sort.Strings(got.incidents)
	return got
}
