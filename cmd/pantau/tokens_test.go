package main

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/pgtest"
)

func TestAdminTokensShownOnceListedRevoked(t *testing.T) {
	url := pgtest.URL(t)
	if out, err := pantau(t, url, "import", "regions"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if out, err := pantau(t, url, "admin", "add-token", "-name", "x", "-role", "office_staff"); err == nil || !strings.Contains(err.Error(), "office") {
		t.Fatalf("staff token without office: %v\n%s", err, out)
	}
	out, err := pantau(t, url, "admin", "add-token", "-name", "sensus-7371", "-role", "office_staff", "-office", "73.71")
	token := regexp.MustCompile(`pat_\d+_[0-9a-f]{64}`).FindString(out)
	if err != nil || token == "" {
		t.Fatalf("add-token: %v\n%s", err, out)
	}
	out, err = pantau(t, url, "admin", "list-tokens")
	if err != nil || strings.Contains(out, token) || strings.Contains(out, "pat_") || !strings.Contains(out, "sensus-7371") ||
		!strings.Contains(out, "73.71") || !strings.Contains(out, "live") {
		t.Fatalf("list-tokens shows the secret or misses the token: %v\n%s", err, out)
	}
	if out, err = pantau(t, url, "admin", "revoke-token", "-id", "1"); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke-token: %v\n%s", err, out)
	}
	if out, _ = pantau(t, url, "admin", "list-tokens"); !strings.Contains(out, "revoked") {
		t.Fatalf("token not shown revoked:\n%s", out)
	}
	if _, err = pantau(t, url, "admin", "revoke-token", "-id", "1"); err == nil {
		t.Fatal("revoking twice succeeded")
	}
}

func TestAdminAddTargetTakesACABundle(t *testing.T) {
	url := pgtest.URL(t)
	if out, err := pantau(t, url, "import", "regions"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	pemText := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemText, 0o600); err != nil {
		t.Fatal(err)
	}
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	add := func(file, check string) (string, error) {
		return pantau(t, url, "admin", "add-target", "-office", "73.71", "-name", "siak-"+check+filepath.Base(file),
			"-check", check, "-address", srv.URL, "-tls-ca", file)
	}
	if out, err := add(ca, "http"); err != nil {
		t.Fatalf("add-target -tls-ca: %v\n%s", err, out)
	}
	if _, err := add(junk, "http"); err == nil || !strings.Contains(err.Error(), "tls_ca") {
		t.Fatalf("a file without certificates: %v", err)
	}
	if _, err := add(ca, "dns"); err == nil || !strings.Contains(err.Error(), "tls_ca") {
		t.Fatalf("a CA on a dns check: %v", err)
	}
	if _, err := add(filepath.Join(dir, "missing.pem"), "http"); err == nil || !strings.Contains(err.Error(), "-tls-ca") {
		t.Fatalf("a missing file: %v", err)
	}
	// The agents get the bundle's text in the target they are handed.
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var spec string
	if err := pool.QueryRow(context.Background(), `SELECT spec->>'tls_ca' FROM targets WHERE name = 'siak-httpca.pem'`).Scan(&spec); err != nil {
		t.Fatal(err)
	}
	if spec != string(pemText) {
		t.Fatalf("stored tls_ca = %q, want the file's text", spec)
	}
}
