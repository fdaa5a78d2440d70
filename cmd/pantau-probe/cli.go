package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/pantau-id/pantau/probe/update"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a check failed, or the agent stopped on an error
	exitUsage  = 2 // bad flags or config
)

// run dispatches a command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		_, _ = fmt.Fprint(stdout, usage(runtime.GOOS))
		return exitOK
	}
	switch cmd {
	case "run":
		return runCommand(ctx, args, stdout, stderr, getenv)
	case "check":
		return checkCommand(ctx, args, stdout, stderr, getenv)
	case "enrol", "enroll":
		return enrolCommand(ctx, args, stdout, stderr, getenv)
	case "install":
		return installCommand(ctx, args, stdout, stderr, getenv)
	case "setup":
		return setupCommand(ctx, args, stdout, stderr, getenv)
	case "fix-permissions":
		return fixPermissionsCommand(ctx, args, stdout, stderr, getenv)
	case "uninstall":
		return uninstallCommand(ctx, args, stdout, stderr)
	case update.WatchdogCommand:
		return watchdogCommand(ctx, args, stderr)
	case "version":
		_, _ = fmt.Fprintf(stdout, "pantau-probe %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
		return exitOK
	case "help":
		_, _ = fmt.Fprint(stdout, usage(runtime.GOOS))
		return exitOK
	}
	_, _ = fmt.Fprintf(stderr, "pantau-probe: unknown command %q\n\n%s", cmd, usage(runtime.GOOS))
	return exitUsage
}

// parseFlags parses a command's flags (only --config) and loads and
// validates the config. It returns ok false with the exit code to use.
func parseFlags(name, summary string, args []string, stdout, stderr io.Writer, getenv func(string) string, forRun bool) (Config, int, bool) {
	fs := flag.NewFlagSet("pantau-probe "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	path := fs.String("config", defaultConfigPath(runtime.GOOS, getenv), "config `FILE` (YAML, format below)")
	fs.Usage = func() {
		_, _ = fmt.Fprintf(stdout, "Usage: pantau-probe %s [--config FILE]\n\n%s\n\nOptions:\n", name, summary)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
		_, _ = fmt.Fprint(stdout, "\n"+configHelp)
	}
	if code, ok := parseOrExit(fs, args); !ok {
		return Config{}, code, false
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "pantau-probe %s: unexpected argument %q\n", name, fs.Arg(0))
		return Config{}, exitUsage, false
	}
	explicit := getenv("PANTAU_PROBE_CONFIG") != ""
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "config" })
	// The default file may be missing: an enrolled agent needs none.
	cfg, err := LoadConfig(*path, getenv, !explicit)
	if err == nil {
		err = cfg.Validate(forRun)
		if err != nil {
			err = fmt.Errorf("config %s: %w", *path, err)
		}
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe %s: %v\n", name, err)
		return Config{}, exitUsage, false
	}
	return cfg, exitOK, true
}

// parseOrExit parses args into fs; when it can't, it gives the exit code:
// success after -h (the usage went to stdout), a usage error otherwise
// (the flag package has already named the bad flag).
func parseOrExit(fs *flag.FlagSet, args []string) (int, bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	return 0, true
}
