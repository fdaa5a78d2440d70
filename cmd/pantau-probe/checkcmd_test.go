package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckAsksTheServerThenFallsBackToTheCache(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var revoked atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if revoked.Load() || r.Header.Get("Authorization") != "Bearer pt_tok" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = fmt.Fprint(w, `{"error":{"code":"unauthorized","message":"invalid or revoked probe token"}}`)
			return
		}
		_, _ = fmt.Fprintf(w, `{"office":"73.71","interval":"30s","targets":[{"name":"siak","kind":"central","check":"tcp","address":%q}]}`, ln.Addr().String())
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	cred := filepath.Join(dir, "credential.json")
	if err := writeCredential(context.Background(), cred, credential{Server: srv.URL, Token: "pt_tok"}, ""); err != nil {
		t.Fatal(err)
	}
	// An enrolled probe's config names no server, token or target.
	e := env{"PANTAU_PROBE_CREDENTIAL_FILE": cred}
	args := []string{"check", "--config", writeConfig(t, "spool_dir: "+filepath.Join(dir, "spool")+"\n")}

	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut, e.get); code != exitOK {
		t.Fatalf("exit %d:\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"ok, token accepted, office 73.71, 1 targets every 30s", "clock:", "siak", "1 of 1 targets ok"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("check output lacks %q:\n%s", want, out.String())
		}
	}

	// Revoked, with a cache from an earlier run: the refusal is explained
	// and the cached targets are still checked.
	if err := writeTestCache(filepath.Join(dir, "config-cache.json"), srv.URL, ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	revoked.Store(true)
	out.Reset()
	if code := run(context.Background(), args, &out, &errOut, e.get); code != exitFailed {
		t.Fatalf("revoked: exit %d, want %d:\n%s", code, exitFailed, out.String())
	}
	for _, want := range []string{"401 Unauthorized: invalid or revoked probe token", "enrol --force", "cache:  checking the 1 cached targets", "1 of 1 targets ok"} {
		if !strings.Contains(out.String(), want) {
			t.Fatalf("revoked check output lacks %q:\n%s", want, out.String())
		}
	}
}

// writeTestCache writes a configuration cache as the agent does.
func writeTestCache(path, server, addr string) error {
	body := fmt.Sprintf(`{"server":%q,"fetched_at":"2026-01-08T00:00:00Z","settings":{"interval":"30s","targets":[{"name":"siak","kind":"central","check":"tcp","address":%q}]}}`, server, addr)
	return os.WriteFile(path, []byte(body), 0o600)
}
