package postgres_test

import (
	"context"
	"math"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/sim"
	"github.com/pantau-id/pantau/probe"
)

// rollupKey is what a rollup row is keyed by.
type rollupKey struct {
	office        string
	probe, target int64
	hour          time.Time
}

// TestRollupsMatchRecomputationFromRawRows delivers random results over
// several rounds (shuffled, duplicated, and late: into hours already rolled
// up), refreshes after each round, and checks that every rollup equals a
// recomputation in Go from the raw rows, and that no hour is missing.
func TestRollupsMatchRecomputationFromRawRows(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	members := mustSimProbes(t, s, 3)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	base := time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)
	seqs := make([]uint64, len(members))
	var sent []probe.Result
	for round := range 6 {
		for i, m := range members {
			var batch []api.IngestItem
			for range rng.IntN(120) {
				seqs[i]++
				// Any time in three days: later rounds keep landing in hours
				// that earlier refreshes already rolled up.
				at := base.Add(time.Duration(rng.Int64N(int64(72 * time.Hour)))).Truncate(time.Millisecond)
				r := probe.Result{Seq: seqs[i], Target: sim.CentralTarget, ObservedAt: at, OK: rng.IntN(4) != 0, LatencyMS: float64(rng.IntN(5000)) / 7}
				if rng.IntN(2) == 0 {
					r.Target = sim.InternetTarget
				}
				if !r.OK {
					r.Failure = probe.FailTimeout
				}
				batch = append(batch, api.IngestItem{TargetID: m.TargetIDs[r.Target], Result: r})
				sent = append(sent, r)
			}
			// Re-deliver a few: duplicates must not count twice.
			if len(batch) > 3 {
				batch = append(batch, batch[:3]...)
			}
			rng.Shuffle(len(batch), func(a, b int) { batch[a], batch[b] = batch[b], batch[a] })
			p := api.Probe{OfficeCode: m.Office.Code, ID: m.ProbeID}
			if _, err := s.IngestResults(ctx, p, probe.AgentInfo{}, batch); err != nil {
				t.Fatalf("round %d: ingest: %v", round, err)
			}
		}
		if _, err := s.RefreshRollups(ctx, time.Now(), time.Time{}); err != nil {
			t.Fatalf("round %d: refresh: %v", round, err)
		}
		checkRollups(t, s, round)
	}
	var raw int
	mustScan(t, s, `SELECT count(*) FROM results`, &raw)
	if raw != len(sent) {
		t.Fatalf("results holds %d rows, %d distinct were sent", raw, len(sent))
	}
}

// checkRollups compares result_rollups with a recomputation from results.
func checkRollups(t *testing.T, s *postgres.Store, round int) {
	t.Helper()
	ctx := context.Background()
	rows, err := s.Pool().Query(ctx, `SELECT office_code, probe_id, target_id, observed_at, ok, latency_ms FROM results`)
	if err != nil {
		t.Fatalf("read raw: %v", err)
	}
	type acc struct {
		checks, failures int
		lat              []float64
	}
	want := map[rollupKey]*acc{}
	for rows.Next() {
		var (
			k   rollupKey
			at  time.Time
			ok  bool
			lat float32
		)
		if err := rows.Scan(&k.office, &k.probe, &k.target, &at, &ok, &lat); err != nil {
			t.Fatalf("scan raw: %v", err)
		}
		k.hour = at.UTC().Truncate(time.Hour)
		a := want[k]
		if a == nil {
			a = &acc{}
			want[k] = a
		}
		a.checks++
		if ok {
			a.lat = append(a.lat, float64(lat))
		} else {
			a.failures++
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("read raw: %v", err)
	}
	got, err := s.Rollups(ctx, api.RollupFilter{})
	if err != nil {
		t.Fatalf("rollups: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("round %d: %d rollup rows, raw rows fill %d hours", round, len(got), len(want))
	}
	for _, ru := range got {
		k := rollupKey{ru.OfficeCode, ru.ProbeID, ru.TargetID, ru.Hour.UTC()}
		a := want[k]
		if a == nil {
			t.Fatalf("round %d: rollup %+v has no raw rows", round, k)
		}
		if ru.Checks != a.checks || ru.Failures != a.failures {
			t.Fatalf("round %d: %+v: checks/failures %d/%d, raw %d/%d", round, k, ru.Checks, ru.Failures, a.checks, a.failures)
		}
		sort.Float64s(a.lat)
		for _, c := range []struct {
			name string
			p    float64
			got  *float32
		}{{"p50", .5, ru.P50}, {"p95", .95, ru.P95}, {"p99", .99, ru.P99}, {"max", 1, ru.Max}} {
			if len(a.lat) == 0 {
				if c.got != nil {
					t.Fatalf("round %d: %+v: %s = %v with no successful check", round, k, c.name, *c.got)
				}
				continue
			}
			w := percentileCont(a.lat, c.p)
			if c.got == nil || math.Abs(float64(*c.got)-w) > 1e-3*math.Max(1, w) {
				t.Fatalf("round %d: %+v: %s = %v, recomputed %v from %d latencies", round, k, c.name, c.got, w, len(a.lat))
			}
		}
	}
}

// percentileCont is PostgreSQL's percentile_cont over sorted values.
func percentileCont(sorted []float64, p float64) float64 {
	pos := p * float64(len(sorted)-1)
	lo := math.Floor(pos)
	hi := math.Ceil(pos)
	return sorted[int(lo)] + (pos-lo)*(sorted[int(hi)]-sorted[int(lo)])
}

// mustSimProbes registers n probes over two offices of one province.
func mustSimProbes(t *testing.T, s *postgres.Store, n int) []sim.Member {
	t.Helper()
	provinces := []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}
	offices := []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	}
	ms, err := sim.Register(context.Background(), s, provinces, offices, sim.RegisterConfig{Probes: n, RunID: "t"})
	if err != nil {
		t.Fatalf("register: %v", err)
	}
	return ms
}

// TestRollupsRaceWithIngest refreshes in a loop while probes ingest into
// hours already closed: once both stop and a last refresh runs, every
// rollup equals its recomputation (no committed row left out of its hour).
func TestRollupsRaceWithIngest(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	members := mustSimProbes(t, s, 4)
	base := time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)
	stop := make(chan struct{})
	refreshed := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				refreshed <- nil
				return
			default:
			}
			if _, err := s.RefreshRollups(ctx, time.Now(), time.Time{}); err != nil {
				refreshed <- err
				return
			}
		}
	}()
	errs := make(chan error, len(members))
	for i, m := range members {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			p := api.Probe{OfficeCode: m.Office.Code, ID: m.ProbeID}
			var err error
			for b := range 30 {
				var batch []api.IngestItem
				for k := range 20 {
					at := base.Add(time.Duration(rng.Int64N(int64(3 * time.Hour))))
					batch = append(batch, api.IngestItem{TargetID: m.TargetIDs[sim.CentralTarget], Result: probe.Result{
						Seq: uint64(b*20 + k + 1), Target: sim.CentralTarget, ObservedAt: at, OK: true, LatencyMS: float64(rng.IntN(900))}})
				}
				if _, err = s.IngestResults(ctx, p, probe.AgentInfo{}, batch); err != nil {
					break
				}
			}
			errs <- err
		}()
	}
	for range members {
		if err := <-errs; err != nil {
			t.Fatalf("ingest: %v", err)
		}
	}
	close(stop)
	if err := <-refreshed; err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if _, err := s.RefreshRollups(ctx, time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	checkRollups(t, s, 0)
}
