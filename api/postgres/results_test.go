package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// mustOffice creates Sulawesi Selatan and Kota Makassar with two targets and a probe.
func mustOffice(t *testing.T, s *postgres.Store) (api.Probe, string, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	err := s.UpsertRegions(ctx,
		[]api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}}, nil)
	if err != nil {
		t.Fatalf("regions: %v", err)
	}
	for _, spec := range []probe.Target{
		{Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"},
		{Name: "internet", Kind: probe.KindInternet, Check: probe.CheckTCP, Address: "127.0.0.1:2"},
	} {
		if _, err := s.CreateTarget(ctx, api.Target{OfficeCode: "73.71", Spec: spec}); err != nil {
			t.Fatalf("target: %v", err)
		}
	}
	p, token, err := s.CreateProbe(ctx, "73.71", "kantor-utama")
	if err != nil {
		t.Fatalf("probe: %v", err)
	}
	ids, err := s.TargetIDs(ctx, "73.71")
	if err != nil {
		t.Fatalf("target ids: %v", err)
	}
	return p, token, ids
}

func TestIngestIsIdempotentAndQueuesDetection(t *testing.T) {
	s := pgtest.Store(t)
	ctx := context.Background()
	p, _, ids := mustOffice(t, s)
	base := time.Date(2020, 1, 8, 23, 59, 0, 0, time.UTC)
	var items []api.IngestItem
	for i := range 4 {
		items = append(items, api.IngestItem{TargetID: ids["central"], Result: probe.Result{
			Seq: uint64(i + 1), Target: "central", ObservedAt: base.Add(time.Duration(i) * 30 * time.Second),
			OK: i%2 == 0, Failure: map[bool]probe.Failure{true: "", false: probe.FailConnect}[i%2 == 0], LatencyMS: 12.5,
		}})
	}
	got, err := s.IngestResults(ctx, p, probe.AgentInfo{Version: "1.0.0", SpoolDepth: 7}, items)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
	if got.Accepted != 4 || got.Duplicates != 0 || len(got.Conflicts) != 0 {
		t.Fatalf("first delivery = %+v, want 4 accepted", got)
	}
	// Re-delivery after a lost response: everything is a duplicate.
	got, err = s.IngestResults(ctx, p, probe.AgentInfo{}, items[1:])
	if err != nil {
		t.Fatalf("re-ingest: %v", err)
	}
	if got.Accepted != 0 || got.Duplicates != 3 || len(got.Conflicts) != 0 {
		t.Fatalf("re-delivery = %+v, want 3 duplicates", got)
	}
	var rows, parts int
	mustScan(t, s, `SELECT count(*) FROM results`, &rows)
	mustScan(t, s, `SELECT count(*) FROM pg_inherits WHERE inhparent = 'results'::regclass`, &parts)
	if rows != 4 || parts != 2 {
		t.Fatalf("rows=%d partitions=%d, want 4 rows over 2 daily partitions", rows, parts)
	}
	var from time.Time
	mustScan(t, s, `SELECT min(from_at) FROM detection_queue WHERE target_id = `+itoa(ids["central"]), &from)
	if !from.Equal(base) {
		t.Fatalf("queued from %v, want %v", from, base)
	}
}

func TestAuthenticateProbe(t *testing.T) {
	s := pgtest.Store(t)
	ctx := context.Background()
	p, token, _ := mustOffice(t, s)
	got, err := s.AuthenticateProbe(ctx, token)
	if err != nil || got.ID != p.ID || got.OfficeCode != "73.71" {
		t.Fatalf("authenticate = %+v, %v", got, err)
	}
	tampered := token[:len(token)-1] + "0"
	if tampered == token {
		tampered = token[:len(token)-1] + "1"
	}
	badOffice := strings.Replace(token, "73.71", "7\xff.71", 1)
	for name, tok := range map[string]string{"tampered": tampered, "garbage": "hello", "empty": "", "bad office bytes": badOffice} {
		if _, err := s.AuthenticateProbe(ctx, tok); api.ErrorCode(err) != api.EUnauthorized {
			t.Errorf("%s token: err = %v, want unauthorized", name, err)
		}
	}
	if err := s.RevokeProbe(ctx, "73.71", p.ID); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	if _, err := s.AuthenticateProbe(ctx, token); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("revoked token: err = %v, want unauthorized", err)
	}
}

func mustScan(t *testing.T, s *postgres.Store, sql string, dst any) {
	t.Helper()
	if err := s.Pool().QueryRow(context.Background(), sql).Scan(dst); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestConcurrentBatchesOfOneProbe races re-deliveries of overlapping batches:
// no deadlock, no error, every result stored once.
func TestConcurrentBatchesOfOneProbe(t *testing.T) {
	s := pgtest.Store(t)
	ctx := context.Background()
	p, _, ids := mustOffice(t, s)
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	var items []api.IngestItem
	for i := range 200 {
		target := "central"
		if i%2 == 1 {
			target = "internet"
		}
		items = append(items, api.IngestItem{TargetID: ids[target], Result: probe.Result{
			Seq: uint64(i + 1), Target: target, ObservedAt: base.Add(time.Duration(i) * time.Second), OK: true, LatencyMS: 1}})
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			// Each sender delivers an overlapping window, in its own order.
			lo := g * 20
			batch := append([]api.IngestItem(nil), items[lo:lo+60]...)
			if g%2 == 1 {
				for i, j := 0, len(batch)-1; i < j; i, j = i+1, j-1 {
					batch[i], batch[j] = batch[j], batch[i]
				}
			}
			_, err := s.IngestResults(ctx, p, probe.AgentInfo{}, batch)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent ingest: %v", err)
		}
	}
	var rows int
	mustScan(t, s, `SELECT count(DISTINCT seq) FROM results`, &rows)
	var total int
	mustScan(t, s, `SELECT count(*) FROM results`, &total)
	if rows != 200 || total != 200 {
		t.Fatalf("%d rows, %d distinct seqs; want 200 of each", total, rows)
	}
}
