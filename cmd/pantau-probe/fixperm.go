package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"

	"github.com/pantau-id/pantau/probe/service"
)

// fixHint is the fix named when run refuses files others may write.
func fixHint() string {
	if runtime.GOOS == "windows" {
		return "from an Administrator prompt: pantau-probe.exe fix-permissions"
	}
	return "sudo pantau-probe fix-permissions (makes them owned by root and not writable by group or others)"
}

// lockDownDirs are the folders fix-permissions and install lock down: the
// config file's folder and the state folder above the spool.
func lockDownDirs(cfg Config) []string {
	var dirs []string
	for _, d := range []string{filepath.Dir(cfg.path), filepath.Dir(cfg.CredentialFile), filepath.Dir(filepath.Clean(cfg.SpoolDir))} {
		if _, err := os.Stat(d); err == nil && !slices.Contains(dirs, d) && !isSystemDir(d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// isSystemDir reports whether d is a folder of the system itself (/etc,
// /var/lib, %ProgramData%) that must not be locked down as a whole.
func isSystemDir(d string) bool {
	d = filepath.Clean(d)
	return d == filepath.Dir(d) || slices.Contains([]string{"/etc", "/var/lib", "/var", "/usr", "/usr/local", "/tmp"}, d) ||
		filepath.Base(d) == "ProgramData" || d == filepath.Clean(os.TempDir())
}

// lockDown applies service.LockDown to every folder of lockDownDirs.
func lockDown(cfg Config, stdout io.Writer) error {
	for _, d := range lockDownDirs(cfg) {
		if err := service.LockDown(d); err != nil {
			return err
		}
		_, _ = fmt.Fprintf(stdout, "locked down %s: writable only by %s\n", d, adminsName())
	}
	return nil
}

// adminsName says who may write the agent's files on this system.
func adminsName() string {
	if runtime.GOOS == "windows" {
		return "SYSTEM and Administrators"
	}
	return "root (and the service account where it owns a file)"
}

// fixPermissionsCommand locks down the agent's folders.
func fixPermissionsCommand(_ context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("pantau-probe fix-permissions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfigPath(runtime.GOOS, getenv), "config `FILE` whose folders to lock down")
	fs.Usage = func() {
		_, _ = fmt.Fprintf(stdout, "Usage: pantau-probe fix-permissions [--config FILE]\n\n"+
			"Makes the agent's folders (config, credential, spool) and everything in them\n"+
			"writable only by %s, as install does.\n"+
			"`run` refuses to start while anyone else may change them. Needs %s.\n\nOptions:\n", adminsName(), elevationName())
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if code, ok := parseOrExit(fs, args); !ok {
		return code
	}
	cfg, err := LoadConfig(*path, getenv, true)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe fix-permissions: %v\n", err)
		return exitUsage
	}
	if err := lockDown(cfg, stdout); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe fix-permissions: %v\n", err)
		return exitFailed
	}
	if err := service.CheckPrivate(cfg.privatePaths()...); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe fix-permissions: still not private: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// elevationName is what running with full rights is called here.
func elevationName() string {
	if runtime.GOOS == "windows" {
		return "an Administrator prompt"
	}
	return "root"
}
