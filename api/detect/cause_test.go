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
