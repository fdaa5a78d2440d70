package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/probe/release"
)

func TestEnrolWritesToken(t *testing.T) {
	t.Parallel()
	var got enrolRequest
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	releaseKey := release.FormatPublicKey(pub)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/enrol" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		if got.Code != "K7Q-29X" {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"error":{"code":"not_found","message":"unknown or expired enrolment code"}}`))
			return
		}
		_ = json.NewEncoder(w).Encode(enrolResponse{Office: "73.71", ProbeID: 42, Token: "tok-secret", ReleaseKey: releaseKey})
	}))
	t.Cleanup(srv.Close)
	credFile := filepath.Join(t.TempDir(), "etc", "credential.json")
	args := []string{"enrol", "--server", srv.URL + "/", "--code", "K7Q-29X", "--name", "pc-loket-1", "--credential-file", credFile, "--user", ""}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got.Name != "pc-loket-1" {
		t.Fatalf("server got name %q", got.Name)
	}
	cred, ok, err := readCredential(credFile)
	if err != nil || !ok || cred.Token != "tok-secret" || cred.Server != srv.URL || cred.Office != "73.71" || cred.ProbeID != 42 || cred.ReleaseKey != releaseKey {
		t.Fatalf("credential = %+v, %v, %v", cred, ok, err)
	}
	if fi, _ := os.Stat(credFile); runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("credential file mode %v, want 0600", fi.Mode().Perm())
	}
	if !strings.Contains(out.String(), "probe 42 of office 73.71") || !strings.Contains(out.String(), credFile) {
		t.Fatalf("output: %s", out.String())
	}

	// The agent reads server and token from it when its config has none.
	cfg, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), env{"PANTAU_PROBE_CREDENTIAL_FILE": credFile}.get, true)
	if err != nil || cfg.Server != srv.URL || cfg.Token != "tok-secret" || cfg.source() != sourceServer {
		t.Fatalf("config from the credential = %+v, %v", cfg, err)
	}
	if err := cfg.Validate(true); err != nil {
		t.Fatalf("enrolled config without a file: %v", err)
	}

	// Enrolled already: refuse to overwrite without --force.
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitUsage || !strings.Contains(errOut.String(), "--force") {
		t.Fatalf("second enrol: exit %d, %s", code, errOut.String())
	}

	// A bad code: the server's message, non-zero exit, token untouched.
	args = []string{"enrol", "--server", srv.URL, "--code", "WRONG", "--credential-file", credFile, "--user", "", "--force"}
	errOut.Reset()
	if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitFailed ||
		!strings.Contains(errOut.String(), "unknown or expired enrolment code") {
		t.Fatalf("bad code: exit %d, %s", code, errOut.String())
	}
	if c, _, _ := readCredential(credFile); c.Token != "tok-secret" {
		t.Fatalf("credential changed after a refused enrolment: %+v", c)
	}
}
