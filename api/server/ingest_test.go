package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// TestIngestRejectsBadTextAndTakenSeqsByItem: text PostgreSQL cannot hold
// (NUL, invalid UTF-8) in a detail or the agent's version, and a seq stored
// before with another observed_at, are each rejected by themselves with
// their reason; the rest is stored and the answer is 200, never 500.
func TestIngestRejectsBadTextAndTakenSeqsByItem(t *testing.T) {
	f := newFixture(t)
	if status, resp := f.post(t, f.token, batch(result(1, "central-73.71", true)), false); status != http.StatusOK {
		t.Fatalf("first batch: %d %s", status, resp)
	}
	nul := result(2, "central-73.71", false)
	nul["detail"] = "connect: \u0000"
	moved := result(1, "central-73.71", true)
	moved["observed_at"] = testNow.Add(-time.Minute).Format(time.RFC3339)
	body := []byte(strings.Replace(string(batch(nul, result(3, "internet-73.71", true), moved, result(4, "central-73.71", true))),
		`"version":"1.0.0"`, `"version":"1.0\u0000"`, 1))
	latin1 := []byte(`{"results":[{"seq":5,"target":"central-73.71","observed_at":"` + testNow.Format(time.RFC3339) + "\",\"ok\":false,\"failure\":\"dns\",\"latency_ms\":1,\"detail\":\"caf\xe9\"}]}")
	for _, tc := range []struct {
		name     string
		body     []byte
		accepted int
		fields   map[int]string
	}{
		{"NUL, agent version, taken seq", body, 2, map[int]string{-1: "agent.version", 0: "detail", 2: "seq"}},
		{"invalid UTF-8", latin1, 0, map[int]string{0: "detail"}},
	} {
		status, resp := f.post(t, f.token, tc.body, true)
		if status != http.StatusOK {
			t.Fatalf("%s: status %d: %s", tc.name, status, resp)
		}
		var got probe.BatchResponse
		if err := json.Unmarshal(resp, &got); err != nil {
			t.Fatal(err)
		}
		if got.Accepted != tc.accepted || len(got.Rejected) != len(tc.fields) {
			t.Fatalf("%s: %+v, want %d accepted and rejections %v", tc.name, got, tc.accepted, tc.fields)
		}
		for _, rj := range got.Rejected {
			if tc.fields[rj.Index] != rj.Field || rj.Reason == "" {
				t.Errorf("%s: rejection %+v, want field %q", tc.name, rj, tc.fields[rj.Index])
			}
		}
	}
	if n := f.storedResults(t); n != 3 {
		t.Fatalf("%d rows stored, want 3", n)
	}
	ps, _ := f.store.Probes(context.Background(), "73.71")
	if ps[0].AgentVersion != "" {
		t.Fatalf("unreadable agent version recorded as %q, want unknown", ps[0].AgentVersion)
	}
}

// TestIngestAfterRevocationAndNewTarget: a revoked probe's next batch is
// refused at once though its token is cached; a target created after the
// server cached the office's targets is accepted at once.
func TestIngestAfterRevocationAndNewTarget(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if status, resp := f.post(t, f.token, batch(result(1, "central-73.71", true)), false); status != http.StatusOK {
		t.Fatalf("first batch: %d %s", status, resp)
	}
	if _, err := f.store.CreateTarget(ctx, api.Target{OfficeCode: "73.71", Spec: probe.Target{Name: "dukcapil", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:3"}}); err != nil {
		t.Fatal(err)
	}
	status, resp := f.post(t, f.token, batch(result(2, "dukcapil", true)), false)
	var got probe.BatchResponse
	if err := json.Unmarshal(resp, &got); status != http.StatusOK || err != nil || got.Accepted != 1 {
		t.Fatalf("new target: %d %s", status, resp)
	}
	ps, _ := f.store.Probes(ctx, "73.71")
	// Revoke behind the server's back, as another replica would.
	if _, err := f.store.Pool().Exec(ctx, `UPDATE probes SET revoked_at = now() WHERE id = $1`, ps[0].ID); err != nil {
		t.Fatal(err)
	}
	if status, resp := f.post(t, f.token, batch(result(3, "central-73.71", true)), false); status != http.StatusUnauthorized {
		t.Fatalf("revoked probe: %d %s, want 401", status, resp)
	}
}
