package detect

import (
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

func min_(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }

func down(from, to int) Span {
	e := min_(to)
	return Span{Kind: api.KindDown, Start: min_(from), End: &e}
}

func unknown(from, to int) Span {
	e := min_(to)
	return Span{Kind: api.KindUnknown, Start: min_(from), End: &e}
}

func TestCauseOfACentralOutage(t *testing.T) {
	ref := func(spans ...Span) []Series { return []Series{{First: min_(0), Spans: spans}} }
	tests := []struct {
		name       string
		ref        []Series
		start, end int
		want       api.Cause
	}{
		{"internet up throughout: central", ref(), 10, 20, api.CauseCentral},
		{"internet down throughout: local", ref(down(5, 25)), 10, 20, api.CauseLocal},
		{"a short local cut inside a long central one stays central", ref(down(12, 14)), 10, 20, api.CauseCentral},
		{"internet down most of the span: local", ref(down(10, 17)), 10, 20, api.CauseLocal},
		{"a tie blames the office", ref(down(10, 15)), 10, 20, api.CauseLocal},
		{"internet unknown time counts for neither side", ref(unknown(10, 18), down(18, 19)), 10, 21, api.CauseCentral},
		{"internet never measured: unknown", []Series{{}}, 10, 20, api.CauseUnknown},
		{"no internet target: unknown", nil, 10, 20, api.CauseUnknown},
		{"before the reference's first result: unknown", []Series{{First: min_(30)}}, 10, 20, api.CauseUnknown},
		{"zero length is judged at its start", ref(down(10, 11)), 10, 10, api.CauseLocal},
		{"one of two references up is enough", append(ref(down(0, 30)), Series{First: min_(0)}), 10, 20, api.CauseCentral},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Cause(tc.ref, min_(tc.start), min_(tc.end)); got != tc.want {
				t.Fatalf("cause = %s, want %s", got, tc.want)
			}
		})
	}
}

func TestIncidentsGroupingAndScope(t *testing.T) {
	mon := Monitored{Total: 10, ByProvince: map[string]int{"73": 4, "74": 1, "75": 5}}
	m := func(office, prov string, from, to int) Member {
		e := min_(to)
		return Member{OfficeCode: office, ProvinceCode: prov, Start: min_(from), End: &e}
	}
	tests := []struct {
		name    string
		members []Member
		want    []string // scope per group
	}{
		{"one office is office scope", []Member{m("73.01", "73", 0, 10)}, []string{"office"}},
		{"the only monitored office of a province is still office scope", []Member{m("74.01", "74", 0, 10)}, []string{"office"}},
		{"touching outages are separate incidents", []Member{m("73.01", "73", 0, 10), m("73.02", "73", 10, 20)}, []string{"office", "office"}},
		{"overlapping outages chain into one", []Member{m("73.01", "73", 0, 10), m("73.02", "73", 9, 20)}, []string{"province"}},
		{"below the share is office scope", []Member{m("75.01", "75", 0, 10), m("75.02", "75", 5, 20)}, []string{"office"}},
		{"two offices of one office's central targets count once", []Member{m("73.01", "73", 0, 10), m("73.01", "73", 2, 12)}, []string{"office"}},
		{"half of everyone at once is national", []Member{
			m("73.01", "73", 0, 10), m("73.02", "73", 0, 10), m("75.01", "75", 0, 10), m("75.02", "75", 0, 10), m("74.01", "74", 0, 10),
		}, []string{"national"}},
		{"chained but never half at once is not national", []Member{
			m("73.01", "73", 0, 10), m("75.01", "75", 5, 15), m("75.02", "75", 12, 20), m("75.03", "75", 18, 30), m("74.01", "74", 25, 35),
		}, []string{"office"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, g := range Incidents(tc.members, mon, DefaultScopeRules) {
				got = append(got, g.Scope)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("scopes %v, want %v", got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("scopes %v, want %v", got, tc.want)
				}
			}
		})
	}
}
