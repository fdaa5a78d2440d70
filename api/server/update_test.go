package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/httpapi"
	"github.com/pantau-id/pantau/probe/release"
)

// get sends an agent's GET with its token.
func (f *fixture) get(t *testing.T, token, path string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// report posts a batch in which the agent says it runs version on linux/amd64.
func (f *fixture) report(t *testing.T, token, version string, seq int, target string) {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"agent": map[string]any{"version": version, "os": "linux", "arch": "amd64"},
		"results": []any{result(seq, target, true)}})
	if status, body := f.post(t, token, b, false); status != http.StatusOK {
		t.Fatalf("ingest: %d %s", status, body)
	}
}

func (f *fixture) offer(t *testing.T, token string) *httpapi.ProbeConfig {
	t.Helper()
	status, body := f.get(t, token, "/api/v1/probe/config")
	if status != http.StatusOK {
		t.Fatalf("config: %d %s", status, body)
	}
	var cfg httpapi.ProbeConfig
	if err := json.Unmarshal(body, &cfg); err != nil {
		t.Fatal(err)
	}
	return &cfg
}

func TestUpdateOfferedToRolloutDownloadedVerifiedAndFailureRecorded(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.store.SetReleasePublicKey(ctx, release.FormatPublicKey(pub)); err != nil {
		t.Fatal(err)
	}
	// Enrolment hands the agent the key it will trust.
	code, _, err := f.store.CreateEnrolmentCode(ctx, "73.71", 0, "admin@test")
	if err != nil {
		t.Fatal(err)
	}
	status, body := f.enrol(t, code)
	var enrolled httpapi.EnrolResponse
	if json.Unmarshal(body, &enrolled); status != http.StatusOK || enrolled.ReleaseKey != release.FormatPublicKey(pub) {
		t.Fatalf("enrol: %d %s", status, body)
	}

	program := []byte("#!/bin/sh\necho 1.3.0\n")
	name := release.BinaryName("linux", "amd64")
	sums := release.Sums{name: sha256.Sum256(program)}.Marshal()
	rel := api.AgentRelease{Version: "1.3.0", Sums: sums, Signature: release.Sign(priv, sums),
		Binaries: []api.ReleaseBinary{{Name: name, GOOS: "linux", GOARCH: "amd64", Content: program}}}
	if err := f.store.AddAgentRelease(ctx, rel); err != nil {
		t.Fatal(err)
	}
	if err := f.store.AddAgentRelease(ctx, rel); api.ErrorCode(err) != api.EConflict {
		t.Fatalf("second upload of 1.3.0: %v, want a conflict", err)
	}
	f.report(t, f.token, "1.2.0", 1, "central-73.71")
	f.report(t, f.other, "1.2.0", 1, "central-73.72")
	if cfg := f.offer(t, f.token); cfg.Update != nil {
		t.Fatalf("offered %+v before any rollout", cfg.Update)
	}
	if _, err := f.store.StartRollout(ctx, api.Rollout{Version: "1.3.0", Scope: api.RolloutOffices, OfficeCodes: []string{"73.99"}, SharePct: 100}); api.ErrorCode(err) != api.EInvalid {
		t.Fatalf("rollout to an unknown office: %v", err)
	}
	if _, err := f.store.StartRollout(ctx, api.Rollout{Version: "1.3.0", Scope: api.RolloutOffices, OfficeCodes: []string{"73.71"}, SharePct: 100}); err != nil {
		t.Fatal(err)
	}
	if cfg := f.offer(t, f.other); cfg.Update != nil {
		t.Fatalf("73.72 is outside the rollout but offered %+v", cfg.Update)
	}
	cfg := f.offer(t, f.token)
	if cfg.Update == nil || cfg.Update.Version != "1.3.0" || cfg.Update.Name != name {
		t.Fatalf("73.71 offered %+v", cfg.Update)
	}
	if status, _ := f.get(t, "", cfg.Update.URL); status != http.StatusUnauthorized {
		t.Fatalf("download without a token: %d", status)
	}
	status, got := f.get(t, f.token, cfg.Update.URL)
	if status != http.StatusOK {
		t.Fatalf("download: %d %s", status, got)
	}
	if err := release.Verify(pub, []byte(cfg.Update.Sums), []byte(cfg.Update.Signature), cfg.Update.Name, bytes.NewReader(got)); err != nil {
		t.Fatalf("downloaded program does not verify: %v", err)
	}

	states := func() map[string]string {
		ss, _, err := f.store.AgentStatuses(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, s := range ss {
			if s.AgentVersion != "" {
				m[s.OfficeCode] = s.UpdateState
			}
		}
		return m
	}
	if s := states(); s["73.71"] != api.UpdateOffered || s["73.72"] != api.UpdateNone {
		t.Fatalf("states %v", s)
	}
	// The agent rolled back: recorded, and not offered again.
	req, _ := http.NewRequest(http.MethodPost, f.srv.URL+"/api/v1/probe/update", bytes.NewReader([]byte(`{"failed_version":"1.3.0"}`)))
	req.Header.Set("Authorization", "Bearer "+f.token)
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("update report: %d", resp.StatusCode)
	}
	if cfg := f.offer(t, f.token); cfg.Update != nil {
		t.Fatalf("offered %+v again after its rollback", cfg.Update)
	}
	if s := states(); s["73.71"] != api.UpdateFailed {
		t.Fatalf("states %v after the rollback", s)
	}
	f.report(t, f.token, "1.3.0", 2, "central-73.71")
	if s := states(); s["73.71"] != api.UpdateDone {
		t.Fatalf("states %v after reporting 1.3.0", s)
	}
}

func TestRolloutShareIsStableAndNearItsPercentage(t *testing.T) {
	r := api.Rollout{Version: "1.3.0", Scope: api.RolloutAll, SharePct: 20}
	in := 0
	for id := int64(1); id <= 2000; id++ {
		if r.InShare(id) {
			in++
			wider := r
			wider.SharePct = 60
			if !wider.InShare(id) {
				t.Fatalf("probe %d in the 20%% share but not in 60%%", id)
			}
		}
	}
	if in < 300 || in > 500 {
		t.Fatalf("%d of 2000 probes in a 20%% share", in)
	}
}
