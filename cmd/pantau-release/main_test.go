package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

type env map[string]string

func (e env) get(k string) string { return e[k] }

// A test key signs a folder; verify accepts it, and refuses it once a
// binary changed or with another key.
func TestKeygenSignVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	keys, dir := t.TempDir(), t.TempDir()
	key, other := filepath.Join(keys, "release.key"), filepath.Join(keys, "other.key")
	for _, k := range []string{key, other} {
		var out, errOut bytes.Buffer
		if code := run(ctx, []string{"keygen", "-out", k}, &out, &errOut, env{}.get); code != 0 {
			t.Fatalf("keygen: %s", errOut.String())
		}
	}
	if fi, err := os.Stat(key); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("private key: %v, %v", fi, err)
	}
	var errOut bytes.Buffer
	if code := run(ctx, []string{"keygen", "-out", key}, &bytes.Buffer{}, &errOut, env{}.get); code == 0 {
		t.Fatal("keygen replaced an existing key")
	}
	bin := filepath.Join(dir, "pantau-probe-linux-amd64")
	if err := os.WriteFile(bin, []byte("\x7fELF 1.4.0"), 0o755); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(ctx, []string{"sign", "-dir", dir, "-version", "1.4.0"}, &bytes.Buffer{}, &errOut, env{"PANTAU_RELEASE_KEY": key}.get); code != 0 {
		t.Fatalf("sign with $PANTAU_RELEASE_KEY: %s", errOut.String())
	}
	var out bytes.Buffer
	if code := run(ctx, []string{"verify", "-pub", key + ".pub", "-dir", dir}, &out, &errOut, env{}.get); code != 0 {
		t.Fatalf("verify: %s", errOut.String())
	}
	if !strings.Contains(out.String(), "ok  VERSION") || !strings.Contains(out.String(), "ok  pantau-probe-linux-amd64") {
		t.Fatalf("verify output: %s", out.String())
	}
	errOut.Reset()
	if code := run(ctx, []string{"verify", "-pub", other + ".pub", "-dir", dir}, &bytes.Buffer{}, &errOut, env{}.get); code == 0 ||
		!strings.Contains(errOut.String(), "signature does not verify") {
		t.Fatalf("verify with another key: %d %s", code, errOut.String())
	}
	if err := os.WriteFile(bin, []byte("\x7fELF evil"), 0o755); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run(ctx, []string{"verify", "-pub", key + ".pub", "-dir", dir}, &bytes.Buffer{}, &errOut, env{}.get); code == 0 ||
		!strings.Contains(errOut.String(), "checksum does not match") {
		t.Fatalf("verify of a changed binary: %d %s", code, errOut.String())
	}
}
