package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/httpapi"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

var testNow = time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)

type fixture struct {
	store  *postgres.Store
	srv    *httptest.Server
	token  string
	other  string // token of a probe of another office
	reg    *prometheus.Registry
	client *http.Client
	server *server.Server
}

// clientWithTimeout is the test server's client with a deadline on every
// request, so a stuck handler fails its test instead of hanging the suite.
func clientWithTimeout(srv *httptest.Server) *http.Client {
	c := *srv.Client()
	c.Timeout = time.Minute
	return &c
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	store := pgtest.Store(t)
	err := store.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{
			{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
			{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, office := range []string{"73.71", "73.72"} {
		for _, name := range []string{"central", "internet"} {
			kind := probe.KindCentral
			if name == "internet" {
				kind = probe.KindInternet
			}
			if _, err := store.CreateTarget(ctx, api.Target{OfficeCode: office, Spec: probe.Target{Name: name + "-" + office, Kind: kind, Check: probe.CheckTCP, Address: "127.0.0.1:1"}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, token, err := store.CreateProbe(ctx, "73.71", "p1")
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := store.CreateProbe(ctx, "73.72", "p1")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{Limits: httpapi.Limits{MaxBodyBytes: 64 << 10}}, store, slog.New(slog.DiscardHandler), reg, reg, server.WithClock(func() time.Time { return testNow }))
	srv := httptest.NewServer(validating(t, h))
	t.Cleanup(srv.Close)
	return &fixture{server: h, store: store, srv: srv, token: token, other: other, reg: reg, client: clientWithTimeout(srv)}
}

// storedResults counts the rows in results.
func (f *fixture) storedResults(t *testing.T) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var n int
	if err := f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM results`).Scan(&n); err != nil {
		t.Fatalf("count results: %v", err)
	}
	return n
}

func (f *fixture) post(t *testing.T, token string, body []byte, gz bool) (int, []byte) {
	t.Helper()
	if gz {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(body)
		zw.Close()
		body = b.Bytes()
	}
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/results", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func result(seq int, target string, ok bool) map[string]any {
	r := map[string]any{"seq": seq, "target": target, "observed_at": testNow.Add(-time.Duration(100-seq) * 30 * time.Second).Format(time.RFC3339), "ok": ok, "latency_ms": 12.5}
	if !ok {
		r["failure"] = "connect"
	}
	return r
}

// wrongSecret is token with the last digit of its secret changed (always
// changed: replacing the last two digits by "00" kept one token in 256).
func wrongSecret(token string) string {
	last := "0"
	if strings.HasSuffix(token, "0") {
		last = "1"
	}
	return token[:len(token)-1] + last
}

func batch(items ...any) []byte {
	b, _ := json.Marshal(map[string]any{"agent": map[string]any{"version": "1.0.0", "spool_depth": 3}, "results": items})
	return b
}

func TestIngestAcceptsValidAndNamesEachRejected(t *testing.T) {
	f := newFixture(t)
	body := batch(
		result(1, "central-73.71", true),
		result(2, "central-73.71", false),
		map[string]any{"seq": 3, "target": "central-73.71", "observed_at": "yesterday", "ok": true, "latency_ms": 1},
		result(4, "central-73.72", true), // another office's target name
		map[string]any{"seq": 5, "target": "central-73.71", "observed_at": testNow.Add(time.Hour).Format(time.RFC3339), "ok": true, "latency_ms": 1},
		map[string]any{"seq": 6, "target": "central-73.71", "observed_at": testNow.Format(time.RFC3339), "ok": false, "latency_ms": 1},
		"not an object",
		map[string]any{"target": "central-73.71", "observed_at": testNow.Format(time.RFC3339), "ok": true, "latency_ms": 1},
		result(9, "internet-73.71", true),
	)
	status, resp := f.post(t, f.token, body, true)
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, resp)
	}
	var got probe.BatchResponse
	if err := json.Unmarshal(resp, &got); err != nil {
		t.Fatal(err)
	}
	if got.Accepted != 3 || got.Duplicates != 0 {
		t.Fatalf("accepted=%d duplicates=%d, want 3 and 0", got.Accepted, got.Duplicates)
	}
	wantFields := map[int]string{2: "observed_at", 3: "target", 4: "observed_at", 5: "failure", 6: "item", 7: "seq"}
	if len(got.Rejected) != len(wantFields) {
		t.Fatalf("rejected = %+v, want %d items", got.Rejected, len(wantFields))
	}
	for _, r := range got.Rejected {
		if wantFields[r.Index] != r.Field || r.Reason == "" {
			t.Errorf("rejection %+v: want field %q with a reason", r, wantFields[r.Index])
		}
	}
	// The same batch again: the valid items are duplicates now.
	_, resp = f.post(t, f.token, body, false)
	json.Unmarshal(resp, &got)
	if got.Accepted != 0 || got.Duplicates != 3 {
		t.Fatalf("re-delivery accepted=%d duplicates=%d, want 0 and 3", got.Accepted, got.Duplicates)
	}
	ps, _ := f.store.Probes(context.Background(), "73.71")
	if ps[0].AgentVersion != "1.0.0" || ps[0].SpoolDepth != 3 || ps[0].LastSeenAt == nil {
		t.Fatalf("agent status not recorded: %+v", ps[0])
	}
}

func TestIngestErrors(t *testing.T) {
	f := newFixture(t)
	huge := batch(map[string]any{"seq": 1, "target": "central-73.71", "observed_at": testNow.Format(time.RFC3339), "ok": true, "latency_ms": 1, "detail": strings.Repeat("x", 70<<10)})
	otherOffice, _ := json.Marshal(map[string]any{"office": "73.72", "results": []any{result(1, "central-73.71", true)}})
	tests := []struct {
		name   string
		token  string
		body   []byte
		gz     bool
		status int
		code   string
	}{
		{"no token", "", batch(), false, 401, api.EUnauthorized},
		{"wrong token", wrongSecret(f.token), batch(), false, 401, api.EUnauthorized},
		{"another office", f.token, otherOffice, false, 403, api.EForbidden},
		{"oversize body", f.token, huge, false, 413, api.ETooLarge},
		{"oversize after gunzip", f.token, huge, true, 413, api.ETooLarge},
		{"not json", f.token, []byte("{"), false, 400, api.EInvalid},
		{"no results", f.token, []byte(`{"agent":{}}`), false, 400, api.EInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, resp := f.post(t, tc.token, tc.body, tc.gz)
			var e probe.ErrorBody
			if err := json.Unmarshal(resp, &e); err != nil {
				t.Fatalf("error body not JSON: %s", resp)
			}
			if status != tc.status || e.Error.Code != tc.code || e.Error.Message == "" {
				t.Fatalf("got %d %+v, want %d %s", status, e, tc.status, tc.code)
			}
		})
	}
	if n := f.storedResults(t); n != 0 {
		t.Fatalf("%d rows stored by refused requests", n)
	}
}

// A body that says gzip but is not a whole gzip stream (not gzip at all, or
// cut short) is refused as invalid and stores nothing.
func TestIngestBadGzip(t *testing.T) {
	f := newFixture(t)
	var whole bytes.Buffer
	zw := gzip.NewWriter(&whole)
	zw.Write(batch(result(1, "central-73.71", true)))
	zw.Close()
	for name, body := range map[string][]byte{
		"not gzip":  batch(result(1, "central-73.71", true)),
		"truncated": whole.Bytes()[:whole.Len()/2],
	} {
		t.Run(name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/results", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+f.token)
			req.Header.Set("Content-Encoding", "gzip")
			resp, err := f.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var e probe.ErrorBody
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatalf("error body not JSON: %v", err)
			}
			if resp.StatusCode != 400 || e.Error.Code != api.EInvalid {
				t.Fatalf("got %d %+v, want 400 %s", resp.StatusCode, e, api.EInvalid)
			}
		})
	}
	if n := f.storedResults(t); n != 0 {
		t.Fatalf("%d rows stored by refused requests", n)
	}
}

func TestHealthAndMetrics(t *testing.T) {
	f := newFixture(t)
	f.post(t, f.token, batch(result(1, "central-73.71", true), result(2, "nope", true)), false)
	for path, want := range map[string]string{
		"/healthz": `"ok"`,
		"/readyz":  `"ready"`,
		"/metrics": "pantau_results_accepted_total 1",
	} {
		resp, err := f.client.Get(f.srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, body lacks %q", path, resp.StatusCode, want)
		}
		if path == "/metrics" && !strings.Contains(string(b), `pantau_results_rejected_total{field="target"} 1`) {
			t.Errorf("/metrics lacks the rejected counter")
		}
	}
}

func TestIngestRefusesResultsOlderThanRetention(t *testing.T) {
	f := newFixture(t)
	if _, err := f.store.Pool().Exec(context.Background(), `UPDATE retention_policy SET raw_days = 7`); err != nil {
		t.Fatal(err)
	}
	old := map[string]any{"seq": 1, "target": "central-73.71", "observed_at": testNow.AddDate(0, 0, -8).Format(time.RFC3339), "ok": true, "latency_ms": 1}
	kept := map[string]any{"seq": 2, "target": "central-73.71", "observed_at": testNow.AddDate(0, 0, -6).Format(time.RFC3339), "ok": true, "latency_ms": 1}
	status, resp := f.post(t, f.token, batch(old, kept), false)
	var got probe.BatchResponse
	json.Unmarshal(resp, &got)
	if status != http.StatusOK || got.Accepted != 1 || len(got.Rejected) != 1 || got.Rejected[0].Field != "observed_at" || !strings.Contains(got.Rejected[0].Reason, "older than the results kept") {
		t.Fatalf("got %d %+v, want the 8-day-old result refused by name and the 6-day-old one stored", status, got)
	}
}
