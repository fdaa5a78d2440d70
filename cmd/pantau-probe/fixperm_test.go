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

// A config others may write is refused at start with the fix named, and
// fix-permissions makes run accept it.
func TestRunRefusesConfigWritableByOthers(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("file modes; the Windows rule is tested in probe/service")
	}
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config.yaml")
	yaml := "server: http://127.0.0.1:1\ntoken: t\nspool_dir: " + filepath.Join(dir, "spool") + "\n" +
		"targets:\n  - {name: a, kind: central, check: tcp, address: 127.0.0.1:1}\n"
	if err := os.WriteFile(cfgPath, []byte(yaml), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(cfgPath, 0o666); err != nil { // past the umask
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // should it start, stop at once
	code := run(ctx, []string{"run", "--config", cfgPath}, &out, &errOut, env{}.get)
	if code != exitUsage || !strings.Contains(errOut.String(), "refusing to start") ||
		!strings.Contains(errOut.String(), "writable by group or others") || !strings.Contains(errOut.String(), "fix-permissions") {
		t.Fatalf("exit %d, stderr: %s", code, errOut.String())
	}
	out.Reset()
	errOut.Reset()
	if code := run(context.Background(), []string{"fix-permissions", "--config", cfgPath}, &out, &errOut, env{}.get); code != exitOK {
		t.Fatalf("fix-permissions: exit %d: %s", code, errOut.String())
	}
	if fi, _ := os.Stat(cfgPath); fi.Mode().Perm() != 0o644 {
		t.Fatalf("mode after fix-permissions %v, want 0644", fi.Mode().Perm())
	}
	errOut.Reset()
	if code := run(ctx, []string{"run", "--config", cfgPath}, &out, &errOut, env{}.get); code != exitOK {
		t.Fatalf("run after fix-permissions: exit %d: %s", code, errOut.String())
	}
}
