package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/httpapi"
	"github.com/pantau-id/pantau/probe"
)

func (f *fixture) enrol(t *testing.T, code string) (int, []byte) {
	t.Helper()
	b, _ := json.Marshal(httpapi.EnrolRequest{Code: code, Name: "pc-loket"})
	resp, err := f.client.Post(f.srv.URL+"/api/v1/enrol", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

func TestEnrolment(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	code, expires, err := f.store.CreateEnrolmentCode(ctx, "73.71", time.Hour, "admin@test")
	if err != nil {
		t.Fatal(err)
	}
	if len(code) != 9 || code[4] != '-' || time.Until(expires) < 50*time.Minute {
		t.Fatalf("code %q expiring %v", code, expires)
	}
	// Typed in lower case without the dash: still the same code.
	status, body := f.enrol(t, strings.ToLower(strings.ReplaceAll(code, "-", "")))
	if status != http.StatusOK {
		t.Fatalf("enrol: %d %s", status, body)
	}
	var got httpapi.EnrolResponse
	json.Unmarshal(body, &got)
	if got.Office != "73.71" || !strings.HasPrefix(got.Token, "pt_73.71_") {
		t.Fatalf("enrolment = %+v", got)
	}
	// The new token works at once.
	if status, resp := f.post(t, got.Token, batch(result(1, "central-73.71", true)), false); status != http.StatusOK {
		t.Fatalf("ingest with the enrolled token: %d %s", status, resp)
	}

	expired, _, _ := f.store.CreateEnrolmentCode(ctx, "73.71", time.Hour, "admin@test")
	if _, err := f.store.Pool().Exec(ctx, `UPDATE enrolment_codes SET expires_at = now() - interval '1 minute' WHERE used_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, code, want string }{
		{"reused", code, "already used"},
		{"expired", expired, "expired"},
		{"wrong", "ZZZZ-ZZZZ", "not recognised"},
		{"empty", "", "missing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := f.enrol(t, tc.code)
			var e probe.ErrorBody
			json.Unmarshal(body, &e)
			if status/100 != 4 || !strings.Contains(e.Error.Message, tc.want) || e.Error.Field != "code" {
				t.Fatalf("got %d %+v, want a 4xx naming code with %q", status, e, tc.want)
			}
		})
	}
	var probes int
	f.store.Pool().QueryRow(ctx, `SELECT count(*) FROM probes WHERE office_code = '73.71'`).Scan(&probes)
	if probes != 2 {
		t.Fatalf("%d probes for 73.71, want 2 (the fixture's and the enrolled one)", probes)
	}
}

func TestEnrolmentIsThrottled(t *testing.T) {
	f := newFixture(t)
	var last int
	for range 11 {
		last, _ = f.enrol(t, "AAAA-AAAA")
	}
	if last != http.StatusTooManyRequests {
		t.Fatalf("11th attempt within a minute: %d, want 429", last)
	}
}

func TestProbeConfigETag(t *testing.T) {
	f := newFixture(t)
	get := func(etag string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/probe/config", nil)
		req.Header.Set("Authorization", "Bearer "+f.token)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}
	resp, body := get("")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != http.StatusOK || etag == "" || !strings.Contains(string(body), "central-73.71") {
		t.Fatalf("config: %d etag=%q %s", resp.StatusCode, etag, body)
	}
	if resp, _ = get(etag); resp.StatusCode != http.StatusNotModified {
		t.Fatalf("unchanged config with its ETag: %d, want 304", resp.StatusCode)
	}
	f.store.PutTarget(context.Background(), api.Target{OfficeCode: "73.71", Spec: probe.Target{Name: "central-73.71", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:2"}})
	if resp, body = get(etag); resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "127.0.0.1:2") {
		t.Fatalf("changed config with the old ETag: %d %s, want 200 with the new address", resp.StatusCode, body)
	}
}

func TestProbeConfigCarriesEachTargetsInterval(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.store.PutTarget(ctx, api.Target{OfficeCode: "73.71", Interval: time.Minute,
		Spec: probe.Target{Name: "internet-73.71", Kind: probe.KindInternet, Check: probe.CheckTCP, Address: "127.0.0.1:1"}}); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/v1/probe/config", nil)
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var cfg httpapi.ProbeConfig
	if err := json.NewDecoder(resp.Body).Decode(&cfg); err != nil {
		t.Fatal(err)
	}
	got := map[string]time.Duration{}
	for _, tg := range cfg.Targets {
		got[tg.Name] = tg.Interval.D()
	}
	if got["central-73.71"] != 30*time.Second || got["internet-73.71"] != time.Minute || cfg.Interval.D() != 30*time.Second {
		t.Fatalf("intervals %v (top level %s), want central 30s, internet 1m, top level the shortest", got, cfg.Interval.D())
	}
}
