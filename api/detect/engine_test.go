package detect

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

var t0 = time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)

// oracle recomputes spans with look-ahead over the whole sorted stream
// instead of a state machine: split at silences, then in each segment find
// the first index that starts Fail failures, then the first later index that
// starts Recover successes.
func oracle(obs []Obs, r Rules, now time.Time) []Span {
	var segs [][]Obs
	for i, o := range obs {
		if i == 0 || o.At.Sub(obs[i-1].At) > r.silence() {
			segs = append(segs, nil)
		}
		segs[len(segs)-1] = append(segs[len(segs)-1], o)
	}
	all := func(seg []Obs, i, n int, ok bool) bool {
		if i+n > len(seg) {
			return false
		}
		for _, o := range seg[i : i+n] {
			if o.OK != ok {
				return false
			}
		}
		return true
	}
	var out []Span
	add := func(kind string, s time.Time, e *time.Time, by string) {
		if e == nil || e.After(s) {
			out = append(out, Span{Kind: kind, Start: s, End: e, EndedBy: by})
		}
	}
	for k, seg := range segs {
		last := seg[len(seg)-1].At
		silentAfter := k+1 < len(segs) || now.Sub(last) > r.silence()
		for i := 0; i < len(seg); {
			if !all(seg, i, r.Thresholds.Fail, false) {
				i++
				continue
			}
			j := i + r.Thresholds.Fail
			for j < len(seg) && !all(seg, j, r.Thresholds.Recover, true) {
				j++
			}
			if j < len(seg) {
				e := seg[j].At
				add(api.KindDown, seg[i].At, &e, api.EndedByRecovery)
				i = j + r.Thresholds.Recover
				continue
			}
			if silentAfter {
				add(api.KindDown, seg[i].At, &last, api.EndedBySilence)
			} else {
				add(api.KindDown, seg[i].At, nil, "")
			}
			break
		}
		if k+1 < len(segs) {
			next := segs[k+1][0].At
			add(api.KindUnknown, last, &next, api.EndedByData)
		} else if silentAfter {
			add(api.KindUnknown, last, nil, "")
		}
	}
	return out
}

// randomStream makes flapping results with occasional long gaps.
func randomStream(rng *rand.Rand, n int, interval time.Duration) []Obs {
	var obs []Obs
	at := t0
	pFail := 0.2
	for i := range n {
		if rng.IntN(20) == 0 {
			pFail = []float64{0.05, 0.5, 0.95}[rng.IntN(3)]
		}
		step := interval
		switch rng.IntN(25) {
		case 0:
			step = time.Duration(2+rng.IntN(8)) * interval // maybe a silence
		case 1:
			step = interval * 3 // exactly at the limit: not a silence
		}
		at = at.Add(step)
		obs = append(obs, Obs{At: at, Seq: int64(i + 1), OK: rng.Float64() >= pFail})
	}
	return obs
}

func TestEvaluateMatchesOracle(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const cases = 3000
	for c := range cases {
		th := api.Thresholds{Fail: 1 + rng.IntN(4), Recover: 1 + rng.IntN(3), SilenceAfter: 1 + rng.IntN(4)}
		r := Rules{Thresholds: th, Interval: 30 * time.Second}
		obs := randomStream(rng, 1+rng.IntN(120), r.Interval)
		now := obs[len(obs)-1].At.Add(time.Duration(rng.IntN(6)) * r.Interval)
		want := oracle(obs, r, now)
		got, _ := Evaluate(Checkpoint{}, obs, r, now)
		if !reflect.DeepEqual(norm(got), norm(want)) {
			t.Fatalf("case %d %+v: engine and oracle differ\n got  %s\n want %s", c, th, fmtSpans(got), fmtSpans(want))
		}
		// Resuming from any checkpoint and replacing spans from ReplaceFrom
		// gives the same result as one pass.
		cut := rng.IntN(len(obs) + 1)
		first, cp := Evaluate(Checkpoint{}, obs[:cut], r, now)
		from := cp.ReplaceFrom()
		var merged []Span
		for _, s := range first {
			if cp.LastAt.IsZero() || s.Start.Before(from) {
				merged = append(merged, s)
			}
		}
		if cp.LastAt.IsZero() {
			merged = nil
		}
		rest, _ := Evaluate(cp, obs[cut:], r, now)
		merged = append(merged, rest...)
		if !reflect.DeepEqual(norm(merged), norm(want)) {
			t.Fatalf("case %d cut %d: resumed evaluation differs\n got  %s\n want %s", c, cut, fmtSpans(merged), fmtSpans(want))
		}
	}
}

func norm(ss []Span) []Span {
	if len(ss) == 0 {
		return nil
	}
	return ss
}

func fmtSpans(ss []Span) string {
	s := ""
	for _, sp := range ss {
		end := "open"
		if sp.End != nil {
			end = sp.End.Sub(t0).String()
		}
		s += fmt.Sprintf("[%s %s..%s %s] ", sp.Kind, sp.Start.Sub(t0), end, sp.EndedBy)
	}
	return s
}

func TestEvaluateExactBoundaries(t *testing.T) {
	r := Rules{Thresholds: api.DefaultThresholds, Interval: 30 * time.Second}
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 30 * time.Second) }
	ptr := func(t time.Time) *time.Time { return &t }
	seq := func(oks string, start int) []Obs {
		var obs []Obs
		for i, c := range oks {
			obs = append(obs, Obs{At: at(start + i), Seq: int64(start + i), OK: c == '+'})
		}
		return obs
	}
	tests := []struct {
		name string
		obs  []Obs
		now  time.Time
		want []Span
	}{
		{"two failures are no outage", seq("++--++", 0), at(6), nil},
		{"opens at the first of three failures, closes at the first of two successes", seq("++---+-++", 0), at(9),
			[]Span{{Kind: api.KindDown, Start: at(2), End: ptr(at(7)), EndedBy: api.EndedByRecovery}}},
		{"still open", seq("+----", 0), at(5), []Span{{Kind: api.KindDown, Start: at(1)}}},
		{"silence ends the outage at the last result, unknown follows", seq("+----", 0), at(9),
			[]Span{{Kind: api.KindDown, Start: at(1), End: ptr(at(4)), EndedBy: api.EndedBySilence}, {Kind: api.KindUnknown, Start: at(4)}}},
		{"a gap of exactly silence_after intervals is not silence", append(seq("+", 0), seq("+", 3)...), at(4), nil},
		{"a longer gap is unknown between the results", append(seq("+", 0), seq("++", 4)...), at(5),
			[]Span{{Kind: api.KindUnknown, Start: at(0), End: ptr(at(4)), EndedBy: api.EndedByData}}},
		{"failures across a silence are not consecutive", append(seq("+--", 0), seq("-+", 7)...), at(8),
			[]Span{{Kind: api.KindUnknown, Start: at(2), End: ptr(at(7)), EndedBy: api.EndedByData}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := Evaluate(Checkpoint{}, tc.obs, r, tc.now)
			if !reflect.DeepEqual(norm(got), norm(tc.want)) {
				t.Fatalf("got  %s\nwant %s", fmtSpans(got), fmtSpans(tc.want))
			}
		})
	}
}
