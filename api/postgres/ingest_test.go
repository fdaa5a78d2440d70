package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

func item(id int64, seq int, at time.Time) api.IngestItem {
	return api.IngestItem{TargetID: id, Result: probe.Result{Seq: uint64(seq), Target: "central", ObservedAt: at, OK: true, LatencyMS: 3}}
}

// TestIngestRefusesASeqWithAnotherObservedAt: a (probe, seq) stored once is
// refused with another observed_at, in a later batch or later in the same
// batch, and counted as a duplicate with the same one.
func TestIngestRefusesASeqWithAnotherObservedAt(t *testing.T) {
	s := pgtest.Store(t)
	ctx := context.Background()
	p, _, ids := mustOffice(t, s)
	id := ids["central"]
	base := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	if _, err := s.IngestResults(ctx, p, probe.AgentInfo{}, []api.IngestItem{item(id, 1, base), item(id, 2, base.Add(time.Second))}); err != nil {
		t.Fatal(err)
	}
	next := base.Add(2 * 24 * time.Hour) // another partition
	got, err := s.IngestResults(ctx, p, probe.AgentInfo{}, []api.IngestItem{
		item(id, 2, next),                    // 0: stored with base+1s: conflict
		item(id, 1, base),                    // 1: duplicate
		item(id, 3, next),                    // 2: new
		item(id, 3, next.Add(time.Minute)),   // 3: seq 3 earlier in the batch: conflict
		item(id, 3, next),                    // 4: duplicate of item 2
		item(id, 4, next.Add(2*time.Minute)), // 5: new
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.Accepted != 2 || got.Duplicates != 2 || len(got.Conflicts) != 2 {
		t.Fatalf("outcome %+v, want 2 accepted, 2 duplicates, 2 conflicts", got)
	}
	if c := got.Conflicts[0]; c.Item != 0 || !c.ObservedAt.Equal(base.Add(time.Second)) {
		t.Fatalf("first conflict %+v", c)
	}
	if c := got.Conflicts[1]; c.Item != 3 || !c.ObservedAt.Equal(next) {
		t.Fatalf("second conflict %+v", c)
	}
	var rows, seq2 int
	mustScan(t, s, `SELECT count(*) FROM results`, &rows)
	mustScan(t, s, `SELECT count(*) FROM results WHERE seq = 2`, &seq2)
	if rows != 4 || seq2 != 1 {
		t.Fatalf("%d rows (%d with seq 2), want 4 (1)", rows, seq2)
	}
	var maxSeq int64
	mustScan(t, s, `SELECT max_seq FROM probes WHERE id = `+itoa(p.ID), &maxSeq)
	if maxSeq != 4 {
		t.Fatalf("max_seq %d, want 4", maxSeq)
	}
}

// TestRevocationReachesEveryServersCache: a token cached live by one server
// (store) is refused at once after another server revokes the probe, and
// the refused batch writes nothing.
func TestRevocationReachesEveryServersCache(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openStore(t, url), openStore(t, url)
	ctx := context.Background()
	p, token, ids := mustOffice(t, a)
	if _, err := a.AuthenticateProbeCached(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := b.RevokeProbe(ctx, p.OfficeCode, p.ID); err != nil {
		t.Fatal(err)
	}
	// Server a still has the token cached (that is the point of the
	// cache)…
	cached, err := a.AuthenticateProbeCached(ctx, token)
	if err != nil {
		t.Fatalf("cached token: %v", err)
	}
	// …but its ingest transaction sees the revocation.
	_, err = a.IngestResults(ctx, cached, probe.AgentInfo{Version: "x"}, []api.IngestItem{item(ids["central"], 1, time.Now().Add(-time.Minute))})
	if api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("ingest after revocation: %v, want unauthorized", err)
	}
	if _, err := a.AuthenticateProbeCached(ctx, token); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("token still cached after a refused ingest: %v", err)
	}
	var rows int
	mustScan(t, a, `SELECT count(*) FROM results`, &rows)
	if rows != 0 {
		t.Fatalf("%d rows stored by a revoked probe", rows)
	}
}

// TestTargetCacheSeesATargetAddedElsewhere: a target created through another
// server is found by a refresh of the cached map.
func TestTargetCacheSeesATargetAddedElsewhere(t *testing.T) {
	url := pgtest.URL(t)
	a, b := openStore(t, url), openStore(t, url)
	ctx := context.Background()
	mustOffice(t, a)
	ids, err := a.TargetIDsCached(ctx, "73.71", false)
	if err != nil || len(ids) != 2 {
		t.Fatalf("ids %v, %v", ids, err)
	}
	tg, err := b.CreateTarget(ctx, api.Target{OfficeCode: "73.71", Spec: probe.Target{Name: "dukcapil", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:3"}})
	if err != nil {
		t.Fatal(err)
	}
	if ids, _ := a.TargetIDsCached(ctx, "73.71", false); len(ids) != 2 {
		t.Fatalf("cache changed without a refresh: %v", ids)
	}
	ids, err = a.TargetIDsCached(ctx, "73.71", true)
	if err != nil || ids["dukcapil"] != tg.ID {
		t.Fatalf("after refresh %v, %v; want dukcapil = %d", ids, err, tg.ID)
	}
}

func openStore(t *testing.T, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
