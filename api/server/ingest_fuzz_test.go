package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// FuzzIngest posts arbitrary bodies as a probe through the whole ingest
// handler into a real PostgreSQL: whatever the body, the answer is never a
// 5xx (a NUL or invalid byte that reaches a text column is one), and an
// accepted batch accounts for every item it took. `make fuzz` runs it
// briefly beside the decoder's own fuzz.
func FuzzIngest(f *testing.F) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	at := now.Add(-time.Minute).Format(time.RFC3339)
	for _, seed := range []string{
		`{"agent":{"version":"1.0","os":"linux","arch":"amd64"},"results":[{"seq":1,"target":"central-73.71","observed_at":"` + at + `","ok":true,"latency_ms":3}]}`,
		`{"agent":{"version":"1.0\u0000"},"results":[{"seq":2,"target":"central-73.71","observed_at":"` + at + `","ok":false,"failure":"connect","latency_ms":1,"detail":"a\u0000b"}]}`,
		`{"agent":{"version":"\udcff"},"results":[{"seq":3,"target":"central-73.71\u0000","observed_at":"` + at + `","ok":true,"latency_ms":1}]}`,
		`{"results":[{"seq":4,"target":"central-73.71","observed_at":"0001-01-01T00:00:00Z","ok":true,"latency_ms":1},{"seq":4,"target":"central-73.71","observed_at":"` + at + `","ok":true,"latency_ms":1e308}]}`,
		`{"results":[{"seq":18446744073709551615,"target":"nope","observed_at":"` + at + `","ok":true,"latency_ms":-1}]}`,
		"{\"results\":[{\"seq\":5,\"target\":\"central-73.71\",\"observed_at\":\"" + at + "\",\"ok\":false,\"failure\":\"dns\",\"latency_ms\":1,\"detail\":\"\xff\xfe\"}]}",
	} {
		f.Add([]byte(seed))
	}
	ctx := context.Background()
	store := pgtest.Store(f)
	err := store.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}}, nil)
	if err != nil {
		f.Fatal(err)
	}
	spec := probe.Target{Name: "central-73.71", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"}
	if _, err := store.CreateTarget(ctx, api.Target{OfficeCode: "73.71", Spec: spec}); err != nil {
		f.Fatal(err)
	}
	_, token, err := store.CreateProbe(ctx, "73.71", "fuzz")
	if err != nil {
		f.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{}, store, slog.New(slog.DiscardHandler), reg, reg, server.WithClock(func() time.Time { return now }))
	srv := httptest.NewServer(h)
	f.Cleanup(srv.Close)
	client := clientWithTimeout(srv)
	f.Fuzz(func(t *testing.T, body []byte) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/results", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("%d for body %q: %s", resp.StatusCode, body, b)
		}
		if resp.StatusCode != http.StatusOK {
			return
		}
		var got probe.BatchResponse
		if err := json.Unmarshal(b, &got); err != nil {
			t.Fatalf("200 with a body that is not a batch response: %s", b)
		}
		if got.Accepted < 0 || got.Duplicates < 0 || got.Accepted+got.Duplicates > 1+bytes.Count(body, []byte(`"seq"`)) {
			t.Fatalf("accounts for more items than the body holds: %+v for %q", got, body)
		}
		for _, rj := range got.Rejected {
			if rj.Field == "" || rj.Reason == "" {
				t.Fatalf("rejection without field or reason: %+v", rj)
			}
		}
	})
}
