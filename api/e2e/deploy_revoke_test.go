package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRevokedAgentIsRefused(t *testing.T) {
	d := newDeploy(t)
	ctx := context.Background()
	id := d.mustEnrol()
	cmd, logs := d.run()
	defer stop(cmd)
	d.waitResults("central", 2)
	if err := d.store.RevokeProbe(ctx, "73.71", id); err != nil {
		t.Fatal(err)
	}
	var revokedAt time.Time
	if err := d.store.Pool().QueryRow(ctx, `SELECT revoked_at FROM probes WHERE id = $1`, id).Scan(&revokedAt); err != nil {
		t.Fatal(err)
	}
	// The agent tries its next batch and is told its token is refused.
	d.waitFor("the agent to be refused", 30*time.Second, func() bool { return logs.has("server refused the probe token") })
	if !logs.has("status=401") {
		t.Fatal("the refusal the agent logged was not a 401")
	}
	if n := d.count("r.probe_id = $1 AND r.observed_at >= $2", id, revokedAt); n != 0 {
		t.Fatalf("%d results observed after the revocation were stored", n)
	}
	// The same token, by hand: results and configuration both refused.
	var cred struct{ Token string }
	b, _ := os.ReadFile(d.cred)
	if err := json.Unmarshal(b, &cred); err != nil {
		t.Fatal(err)
	}
	batch := fmt.Sprintf(`{"agent":{"version":"x"},"results":[{"seq":999999,"target":"central","observed_at":%q,"ok":true,"latency_ms":1}]}`,
		time.Now().UTC().Format(time.RFC3339Nano))
	for _, req := range []struct{ method, path, body string }{{"POST", "/api/v1/results", batch}, {"GET", "/api/v1/probe/config", ""}} {
		hreq, _ := http.NewRequest(req.method, "http://"+d.addr+req.path, strings.NewReader(req.body))
		hreq.Header.Set("Authorization", "Bearer "+cred.Token)
		resp, err := (&http.Client{Timeout: time.Minute}).Do(hreq)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "invalid or revoked probe token") {
			t.Fatalf("%s %s with a revoked token: %d %s", req.method, req.path, resp.StatusCode, body)
		}
	}
	if n := d.count("r.seq = 999999"); n != 0 {
		t.Fatal("a batch posted with a revoked token was stored")
	}
	stored := d.count("r.probe_id = $1", id)
	t.Logf("probe %d revoked after %d results; its next batch got 401 and nothing observed after revocation was stored", id, stored)
}
