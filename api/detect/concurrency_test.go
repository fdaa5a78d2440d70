package detect_test

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// Concurrent batches of one probe, ingested by several goroutines while two
// detectors run, give exactly the outages of the sorted stream, none
// duplicated or overlapping.
func TestConcurrentBatchesOfOneProbe(t *testing.T) {
	t.Parallel()
	offices := map[string]string{"73.71": "73"}
	w := newWorld(t, offices, "central2")
	rng := rand.New(rand.NewPCG(7, 7))
	const n = 600
	var stream []obs
	for _, o := range genStream(rng, n)["73.01"] {
		o.office = "73.71"
		stream = append(stream, o)
	}
	results := map[string][]obs{"73.71": stream}
	bs := batches(rng, results)
	now := at(n + 2)
	w.clock.Set(now)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	det2, err := detect.New(w.s.Detection(nil), detect.Config{Clock: w.clock, Logger: quiet, Batch: 1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var (
		ingest, detectors sync.WaitGroup
		done              atomic.Bool
		next              atomic.Int64
		failures          = make(chan error, 16)
	)
	for range 4 {
		ingest.Go(func() {
			for i := next.Add(1) - 1; i < int64(len(bs)); i = next.Add(1) - 1 {
				w.deliver("73.71", bs[i])
			}
		})
	}
	for _, d := range []*detect.Detector{w.det, det2} {
		detectors.Go(func() {
			for !done.Load() {
				if _, err := d.RunOnce(ctx); err != nil {
					failures <- err
					return
				}
			}
		})
	}
	ingest.Wait()
	done.Store(true)
	detectors.Wait()
	close(failures)
	for err := range failures {
		t.Fatalf("detector: %v", err)
	}
	w.drain()
	want := oracleFor(results, offices, detect.Rules{Thresholds: api.DefaultThresholds, Interval: interval}, now)
	got := w.stored()
	if !reflect.DeepEqual(got.spans, want.spans) {
		t.Fatalf("%d batches: spans differ\n%s", len(bs), diff(got.spans, want.spans))
	}
	var overlapping int
	err = w.s.Pool().QueryRow(ctx, `SELECT count(*) FROM outages a JOIN outages b
		ON a.office_code = b.office_code AND a.probe_id = b.probe_id AND a.target_id = b.target_id
		AND a.started_at < b.started_at AND (a.ended_at IS NULL OR a.ended_at > b.started_at)`).Scan(&overlapping)
	if err != nil || overlapping != 0 {
		t.Fatalf("overlapping spans = %d (%v), want 0", overlapping, err)
	}
	t.Logf("%d batches, %d spans, %d ingest retries after a deadlock", len(bs), len(want.spans), w.deadlocks)
	if len(want.spans) < 5 {
		t.Fatalf("only %d spans: the stream tests too little", len(want.spans))
	}
}
