package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// env is a fake environment.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// writeConfig writes a config file and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatalf("write config: %v", err)
	}
	return path
}

const validConfig = `
server: https://pantau.example.go.id
token: secret
targets:
  - {name: central, kind: central, check: tcp, address: "10.0.0.1:443"}
  - {name: ref, kind: internet, check: http, address: "https://example.com/", timeout: 3s}
`

func TestLoadConfigDefaultsAndEnv(t *testing.T) {
	t.Parallel()
	path := writeConfig(t, validConfig)
	cfg, err := LoadConfig(path, env{}.get, false)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := cfg.Validate(true); err != nil {
		t.Fatalf("validate: %v", err)
	}
	if cfg.Interval.D() != 30*time.Second || cfg.Timeout.D() != 10*time.Second || cfg.BatchSize != 500 ||
		cfg.SpoolMaxBytes != 64<<20 || cfg.SpoolDir != defaultSpoolDir(runtime.GOOS, env{}.get) || cfg.LogLevel != "info" {
		t.Fatalf("defaults not applied: %+v", cfg)
	}
	if cfg.Targets[1].Timeout.D() != 3*time.Second || cfg.Targets[1].Kind != probe.KindInternet {
		t.Fatalf("target 1 = %+v", cfg.Targets[1])
	}
	cfg, err = LoadConfig(path, env{"PANTAU_PROBE_INTERVAL": "1m", "PANTAU_PROBE_TOKEN": "from-env",
		"PANTAU_PROBE_SPOOL_DIR": "/tmp/s", "PANTAU_PROBE_BATCH_SIZE": "50"}.get, false)
	if err != nil {
		t.Fatalf("load with env: %v", err)
	}
	if cfg.Interval.D() != time.Minute || cfg.Token != "from-env" || cfg.SpoolDir != "/tmp/s" || cfg.BatchSize != 50 {
		t.Fatalf("env not applied: %+v", cfg)
	}
	cfg, err = LoadConfig(path, env{"PANTAU_PROBE_TOKEN_FILE": "/run/secrets/probe"}.get, false)
	if err != nil || cfg.Token != "" || cfg.TokenFile != "/run/secrets/probe" || cfg.Validate(true) != nil {
		t.Fatalf("token_file from env should replace the file's token: %+v, %v", cfg, err)
	}
	if _, err := LoadConfig(path, env{"PANTAU_PROBE_TIMEOUT": "soon"}.get, false); err == nil || !strings.Contains(err.Error(), "PANTAU_PROBE_TIMEOUT") {
		t.Fatalf("bad env duration: %v", err)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		{"bad target kind", strings.Replace(validConfig, "kind: internet", "kind: cloud", 1), `targets[1].kind: "cloud" is not central or internet`},
		{"tcp without port", strings.Replace(validConfig, `"10.0.0.1:443"`, `"10.0.0.1"`, 1), `targets[0].address: "10.0.0.1" is not host:port`},
		{"duplicate name", strings.Replace(validConfig, "name: ref", "name: central", 1), `targets[1].name: "central" is already used by targets[0]`},
		{"no token", strings.Replace(validConfig, "token: secret", "", 1), "token: required"},
		{"server not a url", strings.Replace(validConfig, "https://pantau.example.go.id", "pantau", 1), `server: "pantau" is not`},
		{"interval too short", validConfig + "interval: 1ms\n", "interval: 1ms is below"},
		{"batch too large", validConfig + "batch_size: 9000\n", "batch_size: 9000 is not between 1 and 5000"},
		{"missing ca file", strings.Replace(validConfig, "timeout: 3s", "tls_ca_file: /nonexistent/ca.pem", 1), "targets[1].tls_ca_file:"},
		{"no targets with a local source", "server: https://x.example\ntoken: t\ntargets_source: local\n", "targets: at least one"},
		{"targets with the server as source", validConfig + "targets_source: server\n", "targets: listed, but targets_source is server"},
		{"unknown targets source", validConfig + "targets_source: both\n", `targets_source: "both" is not server or local`},
		{"poll too short", "server: https://x.example\ntoken: t\nconfig_poll: 1ms\n", "config_poll: 1ms is below"},
		{"negative upload delay", validConfig + "upload_delay: -1s\n", "upload_delay: -1s is not between"},
		{"bad log level", validConfig + "log_level: loud\n", `log_level: "loud"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg, err := LoadConfig(writeConfig(t, tc.body), env{}.get, false)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			err = cfg.Validate(true)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestLoadConfigRejectsUnknownKeyWithLine(t *testing.T) {
	t.Parallel()
	_, err := LoadConfig(writeConfig(t, validConfig+"intervall: 30s\n"), env{}.get, false)
	if err == nil || !strings.Contains(err.Error(), "intervall") || !strings.Contains(err.Error(), "line") {
		t.Fatalf("unknown key: %v", err)
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig("example.yaml", env{}.get, false)
	if err != nil {
		t.Fatalf("load example: %v", err)
	}
	cfg.TokenFile, cfg.Token = "", "x"
	if err := cfg.Validate(true); err != nil {
		t.Fatalf("example.yaml does not validate: %v", err)
	}
}

func TestTokenFile(t *testing.T) {
	t.Parallel()
	tok := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tok, []byte("  s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := Config{TokenFile: tok}.token()
	if err != nil || got != "s3cret" {
		t.Fatalf("token = %q, %v", got, err)
	}
}

func TestCheckCommandTable(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	closedAddr := closed.Addr().String()
	_ = closed.Close()
	path := writeConfig(t, `
targets:
  - {name: central-up, kind: central, check: tcp, address: "`+ln.Addr().String()+`"}
  - {name: central-down, kind: central, check: tcp, address: "`+closedAddr+`"}
`)
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"check", "--config", path}, &out, &errOut, env{}.get)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr %s", code, exitFailed, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "server: none configured") {
		t.Fatalf("no server line first:\n%s", out.String())
	}
	lines := strings.Split(out.String()[strings.Index(out.String(), "TARGET"):], "\n")
	if !strings.HasPrefix(lines[0], "TARGET") || !strings.Contains(lines[1], "central-up") || !strings.Contains(lines[1], " ok ") ||
		!strings.Contains(lines[2], "FAIL connect") || !strings.Contains(out.String(), "1 of 2 targets ok") {
		t.Fatalf("table:\n%s", out.String())
	}
	// Columns line up: RESULT starts at the same offset on every row.
	col := strings.Index(lines[0], "RESULT")
	if strings.Index(lines[1], "ok") != col || strings.Index(lines[2], "FAIL") != col {
		t.Fatalf("columns not aligned:\n%s", out.String())
	}
}

func TestHelpAndVersion(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"enrol", "-h"}, {"install", "-h"}, {"uninstall", "-h"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitOK || !strings.Contains(out.String(), "Usage: pantau-probe "+args[0]) {
			t.Fatalf("%v: exit %d:\n%s", args, code, out.String())
		}
	}
	for _, args := range [][]string{{"-h"}, {"run", "-h"}, {"check", "-h"}} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitOK {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, want := range []string{"spool_max_bytes", "PANTAU_PROBE_TOKEN", "default 30s", "tls_insecure_skip_verify", "targets_source", "credential_file"} {
			if !strings.Contains(out.String(), want) {
				t.Fatalf("%v help lacks %q:\n%s", args, want, out.String())
			}
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &out, &out, env{}.get); code != exitOK || !strings.HasPrefix(out.String(), "pantau-probe dev ") {
		t.Fatalf("version: %d %q", code, out.String())
	}
	if code := run(context.Background(), []string{"frobnicate"}, &out, &out, env{}.get); code != exitUsage {
		t.Fatalf("unknown command exit %d", code)
	}
}
