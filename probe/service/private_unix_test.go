//go:build !windows

package service

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckPrivateUnix(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("server: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CheckPrivate(cfg, filepath.Join(dir, "missing.json")); err != nil {
		t.Fatalf("0644 file in a 0755 folder: %v", err)
	}
	mustChmod(t, cfg, 0o666)
	err := CheckPrivate(cfg)
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "writable by group or others (mode 0666)") {
		t.Fatalf("world-writable config: %v", err)
	}
	mustChmod(t, cfg, 0o644)
	mustChmod(t, dir, 0o777) // anyone could replace the file
	err = CheckPrivate(cfg)
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "its folder "+dir) {
		t.Fatalf("config in a world-writable folder: %v", err)
	}
	mustChmod(t, cfg, 0o664)
	if err := LockDown(dir); err != nil {
		t.Fatalf("lock down: %v", err)
	}
	if err := CheckPrivate(cfg, dir); err != nil {
		t.Fatalf("after LockDown: %v", err)
	}
	if os.Geteuid() == 0 {
		// Owned by an ordinary account: it could open it up again.
		if err := os.Chown(cfg, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		err = CheckPrivate(cfg)
		if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "owned by uid 4242") {
			t.Fatalf("config owned by another account: %v", err)
		}
		if err := LockDown(dir); err != nil {
			t.Fatalf("lock down: %v", err)
		}
		if err := CheckPrivate(cfg); err != nil {
			t.Fatalf("after LockDown as root: %v", err)
		}
	}
}

func mustChmod(t *testing.T, p string, m os.FileMode) {
	t.Helper()
	if err := os.Chmod(p, m); err != nil {
		t.Fatal(err)
	}
}
