package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pantau-id/pantau/probe/safefs"
)

// installedBinary is where install and setup put the agent, so the service
// never runs a copy from Downloads or a home folder that a user may change
// or delete: C:\Program Files\Pantau\pantau-probe.exe,
// /opt/pantau-probe/bin/pantau-probe. On Linux that folder is the service
// account's (self-update replaces the program in it; /usr/local/bin is
// root's and read-only to the unit), and commandLink points at it.
func installedBinary(goos string, getenv func(string) string) string {
	if goos == "windows" {
		base := getenv("ProgramFiles")
		if base == "" {
			base = `C:\Program Files`
		}
		return base + `\Pantau\pantau-probe.exe`
	}
	return "/opt/pantau-probe/bin/pantau-probe"
}

// commandLink is the Linux command people type, a symlink to installedBinary.
const commandLink = "/usr/local/bin/pantau-probe"

// linkCommand makes link a symlink to target, replacing what is there (a
// copy from an older install, a link elsewhere) in one rename, so the
// command never goes missing.
func linkCommand(link, target string) error {
	if cur, err := os.Readlink(link); err == nil && cur == target {
		return nil
	}
	tmp := link + ".link-tmp"
	_ = os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return fmt.Errorf("link %s to %s: %w", link, target, err)
	}
	if err := os.Rename(tmp, link); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("link %s to %s: %w", link, target, err)
	}
	return nil
}

// inInstallDir reports whether bin lies in the folder of installedBinary
// (case-insensitive on Windows).
func inInstallDir(bin, goos string, getenv func(string) string) bool {
	dir, d := filepath.Dir(installedBinary(goos, getenv)), filepath.Dir(bin)
	if goos == "windows" {
		return strings.EqualFold(filepath.Clean(d), filepath.Clean(dir))
	}
	return filepath.Clean(d) == dir
}

// copyExecutable copies the program at src to dst (atomically, mode 0755)
// unless dst holds the same bytes already. It reports whether it copied.
func copyExecutable(ctx context.Context, src, dst string) (bool, error) {
	if a, errA := os.Stat(src); errA == nil {
		if b, errB := os.Stat(dst); errB == nil && os.SameFile(a, b) {
			return false, nil
		}
	}
	b, err := os.ReadFile(filepath.Clean(src))
	if err != nil {
		return false, fmt.Errorf("read this program: %w", err)
	}
	if old, err := os.ReadFile(filepath.Clean(dst)); err == nil && bytes.Equal(old, b) {
		return false, nil
	}
	if err := mkdirOpen(filepath.Dir(dst)); err != nil {
		return false, err
	}
	err = safefs.WriteFile(ctx, dst, b, safefs.Options{Label: "program " + dst, Perm: 0o755})
	if err != nil {
		return false, fmt.Errorf("%w (if the service runs this copy, stop it first)", err)
	}
	return true, nil
}

// mkdirOpen creates dir and its missing parents mode 0755 whatever the
// umask (sudo may keep a 077 one): the service account must reach the
// program through every one of them.
func mkdirOpen(dir string) error {
	var missing []string
	for d := filepath.Clean(dir); d != filepath.Dir(d); d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		}
		missing = append(missing, d)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	for _, d := range missing {
		if err := os.Chmod(d, 0o755); err != nil {
			return fmt.Errorf("open %s to all for reading: %w", d, err)
		}
	}
	return nil
}
