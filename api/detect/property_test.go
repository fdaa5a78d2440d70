package detect_test

import (
	"context"
	"math/rand/v2"
	"os"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

var (
	postgresAll          = api.OutageFilter{Kind: "all"}
	postgresAllIncidents = api.IncidentFilter{Limit: 1000}
)

var propOffices = map[string]string{"73.01": "73", "73.02": "73", "74.01": "74"}

// regime is how an office's checks behave for a while: the chance that
// central targets and the internet reference fail, or silence.
type regime struct {
	central, internet float64
	silent            bool
}

var regimes = []regime{
	{central: 0.03, internet: 0.03}, // normal
	{central: 0.03, internet: 0.03}, // normal, twice as likely
	{central: 0.95, internet: 0.02}, // central cut
	{central: 0.9, internet: 0.9},   // office offline
	{central: 0.5, internet: 0.5},   // flapping
	{central: 0.5, internet: 0.05},  // central flapping
	{silent: true},                  // probe down or link cut with a spool
	{central: 0.95, internet: 0.5},  // mixed
}

// genStream makes n checks per office for central, central2 and internet.
// Offices share the national regime timeline most of the time, so incidents
// span offices.
func genStream(rng *rand.Rand, n int) map[string][]obs {
	shared := make([]regime, n)
	for i := 0; i < n; {
		r, l := regimes[rng.IntN(len(regimes))], 3+rng.IntN(40)
		for j := i; j < min(n, i+l); j++ {
			shared[j] = r
		}
		i += l
	}
	out := map[string][]obs{}
	for office := range propOffices {
		var seq uint64
		own := regime{}
		ownLeft := 0
		for i := range n {
			r := shared[i]
			if ownLeft > 0 {
				r, ownLeft = own, ownLeft-1
			} else if rng.IntN(30) == 0 {
				own, ownLeft = regimes[rng.IntN(len(regimes))], 3+rng.IntN(30)
			}
			if r.silent {
				continue
			}
			for k, target := range []string{"central", "internet", "central2"} {
				if rng.IntN(50) == 0 { // a lost check
					continue
				}
				p := r.central
				if target == "internet" {
					p = r.internet
				}
				seq++
				at := at(i).Add(time.Duration(k) * time.Second)
				out[office] = append(out[office], obs{office: office, target: target, at: at, ok: rng.Float64() >= p, seq: seq})
			}
		}
	}
	return out
}

// batches cuts each office's results into shuffled batches with some
// re-deliveries, interleaved across offices.
func batches(rng *rand.Rand, results map[string][]obs) [][]obs {
	var out [][]obs
	for _, os := range results {
		os = append([]obs(nil), os...)
		switch rng.IntN(3) {
		case 0: // fully shuffled
			rng.Shuffle(len(os), func(i, j int) { os[i], os[j] = os[j], os[i] })
		case 1: // in order, but chunks delivered in random order
		case 2: // in order
		}
		var chunks [][]obs
		for len(os) > 0 {
			k := min(len(os), 1+rng.IntN(120))
			chunks = append(chunks, os[:k])
			os = os[k:]
		}
		if rng.IntN(2) == 0 {
			rng.Shuffle(len(chunks), func(i, j int) { chunks[i], chunks[j] = chunks[j], chunks[i] })
		}
		for i, c := range chunks {
			out = append(out, c)
			if rng.IntN(8) == 0 { // the response was lost: the agent sends again
				out = append(out, chunks[rng.IntN(i+1)])
			}
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func propCases() int {
	if n, err := strconv.Atoi(os.Getenv("PANTAU_DETECT_CASES")); err == nil && n > 0 {
		return n
	}
	return 12
}

func TestPropertyStoredMatchesSortedOracle(t *testing.T) {
	t.Parallel()
	for c := range propCases() {
		t.Run("case"+strconv.Itoa(c), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(c), 42))
			th := api.Thresholds{Fail: 1 + rng.IntN(4), Recover: 1 + rng.IntN(3), SilenceAfter: 1 + rng.IntN(4)}
			n := 150 + rng.IntN(250)
			results := genStream(rng, n)
			now := at(n + rng.IntN(8))
			w := newWorldWith(t, propOffices, th, "central2")
			bs := batches(rng, results)
			// The clock moves forward through the delivery, never behind
			// what was delivered (ingest refuses the future), so silences are
			// marked and later replaced; it ends at now.
			clock := base
			for _, b := range bs {
				w.deliver(b[0].office, b)
				for _, o := range b {
					if o.at.After(clock) {
						clock = o.at
					}
				}
				if rng.IntN(4) == 0 {
					clock = clock.Add(time.Duration(rng.IntN(4)) * interval)
					w.clock.Set(clock)
					if _, err := w.det.RunOnce(context.Background()); err != nil {
						t.Fatalf("RunOnce: %v", err)
					}
				}
			}
			if clock.After(now) {
				now = clock
			}
			w.clock.Set(now)
			w.drain()
			want := oracleFor(results, propOffices, detect.Rules{Thresholds: th, Interval: interval}, now)
			got := w.stored()
			if !reflect.DeepEqual(got.spans, want.spans) {
				t.Errorf("thresholds %+v, %d batches: spans differ\n%s", th, len(bs), diff(got.spans, want.spans))
			}
			if !reflect.DeepEqual(got.incidents, want.incidents) {
				t.Errorf("thresholds %+v: incidents differ\n%s", th, diff(got.incidents, want.incidents))
			}
			if len(want.spans) == 0 {
				t.Errorf("the generator made no spans: the case tests nothing")
			}
		})
	}
}

// diff lists lines only in got (+) or only in want (-).
func diff(got, want []string) string {
	in := func(s string, xs []string) bool {
		for _, x := range xs {
			if x == s {
				return true
			}
		}
		return false
	}
	out := ""
	for _, g := range got {
		if !in(g, want) {
			out += "+ " + g + "\n"
		}
	}
	for _, x := range want {
		if !in(x, got) {
			out += "- " + x + "\n"
		}
	}
	return out
}
