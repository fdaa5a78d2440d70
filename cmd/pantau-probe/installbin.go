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
// or delete: C:\Program Files\Pantau\pantau-probe.exe, /usr/local/bin/pantau-probe.
func installedBinary(goos string, getenv func(string) string) string {
	if goos == "windows" {
		base := getenv("ProgramFiles")
		if base == "" {
			base = `C:\Program Files`
		}
		return base + `\Pantau\pantau-probe.exe`
	}
	return "/usr/local/bin/pantau-probe"
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
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return false, fmt.Errorf("create %s: %w", filepath.Dir(dst), err)
	}
	err = safefs.WriteFile(ctx, dst, b, safefs.Options{Label: "program " + dst, Perm: 0o755})
	if err != nil {
		return false, fmt.Errorf("%w (if the service runs this copy, stop it first)", err)
	}
	return true, nil
}
