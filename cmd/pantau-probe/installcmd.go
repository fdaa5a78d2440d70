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
	"strings"

	"github.com/pantau-id/pantau/probe/service"
)

// installCommand installs the agent as a system service: systemd on Linux,
// the service manager on Windows.
func installCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("pantau-probe install", flag.ContinueOnError)
	fs.SetOutput(stderr)
	exe, _ := os.Executable()
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	configPath := fs.String("config", defaultConfigPath(runtime.GOOS, getenv), "config `FILE` the service runs with (passed to it only when given here; the default may be missing on an enrolled probe)")
	dest := installedBinary(runtime.GOOS, getenv)
	bin := fs.String("bin", dest, "agent `BINARY` the service starts; by default this program is copied there first (on Windows it must lie in "+filepath.Dir(dest)+"; on Linux not under /home, /root or /tmp, which the service cannot see, and only there can it update itself)")
	name := fs.String("name", service.DefaultName, "service `NAME`")
	account := fs.String("user", service.DefaultName, "Linux service `ACCOUNT` the agent runs as (created when missing; Windows runs it as LocalSystem)")
	noStart := fs.Bool("no-start", false, "install and enable, but do not start now")
	dryRun := fs.Bool("dry-run", false, "print the systemd unit (Linux) or the service settings (Windows) and change nothing")
	fs.Usage = func() {
		_, _ = fmt.Fprint(stdout, "Usage: pantau-probe install [--config FILE] [--bin BINARY] [--name NAME] [--user ACCOUNT] [--no-start] [--dry-run]\n\n"+
			"Installs the agent as a service that starts at boot and restarts after a crash.\n"+
			"Linux: a systemd unit in /etc/systemd/system, run as a dedicated account, logs in\n"+
			"the journal (journalctl -u pantau-probe); needs root. Windows: a service of the\n"+
			"service manager, logs in Event Viewer > Application; needs an Administrator\n"+
			"prompt. The probe must be enrolled (or configured) first: install refuses a\n"+
			"config the agent could not run with.\n\nOptions:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if code, ok := parseOrExit(fs, args); !ok {
		return code
	}
	if fs.NArg() > 0 {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	explicit := getenv("PANTAU_PROBE_CONFIG") != ""
	binSet := false
	fs.Visit(func(f *flag.Flag) {
		explicit = explicit || f.Name == "config"
		binSet = binSet || f.Name == "bin"
	})
	if binSet && runtime.GOOS == "windows" && !inInstallDir(*bin, runtime.GOOS, getenv) {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: the service runs only a program in %s (where users cannot change it); run install without --bin and it copies itself there\n", filepath.Dir(dest))
		return exitUsage
	}
	spec := service.Spec{Name: *name, Executable: *bin, Args: []string{"run"}, User: *account}
	if explicit {
		abs, err := filepath.Abs(*configPath)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "pantau-probe install: --config: %v\n", err)
			return exitUsage
		}
		spec.Args = append(spec.Args, "--config", abs)
	}
	cfg, cfgErr := LoadConfig(*configPath, getenv, !explicit)
	if cfgErr == nil {
		cfgErr = cfg.Validate(true)
	}
	spec.ReadWritePaths = writablePaths(cfg, *name)
	// Only the program in its own folder may replace itself; one put
	// elsewhere with --bin refuses updates.
	ownDir := runtime.GOOS == "linux" && filepath.Clean(*bin) == dest
	if ownDir {
		spec.ProgramDir = filepath.Dir(dest)
	}
	if runtime.GOOS == "linux" && hiddenFromService(*bin) {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: %s is under a folder the service cannot see; run install without --bin and it copies itself to %s\n", *bin, dest)
		if !*dryRun {
			return exitUsage
		}
	}
	if len(spec.Args) == 3 && runtime.GOOS == "linux" && hiddenFromService(spec.Args[2]) {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: the config %s is under a folder the service cannot see; put it in /etc/pantau-probe\n", spec.Args[2])
		if !*dryRun {
			return exitUsage
		}
	}
	if *dryRun {
		return printPlan(spec, cfgErr, stdout, stderr)
	}
	if cfgErr != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: the agent could not start with this configuration: %v\n", cfgErr)
		return exitUsage
	}
	if runtime.GOOS == "windows" {
		if err := checkWindowsVersion(osVersion()); err != nil {
			_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
			return exitFailed
		}
	}
	// The service runs as root's account or SYSTEM: nobody else may change
	// what it reads (run refuses otherwise).
	if err := lockDown(cfg, stdout); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
		return exitFailed
	}
	if !binSet {
		copied, err := copyExecutable(ctx, exe, dest)
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
			return exitFailed
		}
		if copied {
			_, _ = fmt.Fprintf(stdout, "copied %s to %s\n", exe, dest)
		}
	}
	if ownDir {
		if err := linkCommand(commandLink, dest); err != nil {
			_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
			return exitFailed
		}
	}
	if err := service.Install(ctx, spec, *noStart, stdout); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
		return exitFailed
	}
	// The credential may predate the account (enrol --user ""): give it now.
	if _, err := os.Stat(cfg.CredentialFile); err == nil {
		if err := service.Restrict(ctx, cfg.CredentialFile, spec.WithDefaults().User); err != nil {
			_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
			return exitFailed
		}
	}
	return exitOK
}

// printPlan is install --dry-run.
func printPlan(spec service.Spec, cfgErr error, stdout, stderr io.Writer) int {
	if cfgErr != nil {
		_, _ = fmt.Fprintf(stderr, "note: the agent could not start with this configuration yet: %v\n", cfgErr)
	}
	if runtime.GOOS == "windows" {
		s := spec.WithDefaults()
		_, _ = fmt.Fprintf(stdout, "Windows service %s\n  command:  %s %s\n  start:    automatic (delayed) at boot, as LocalSystem\n"+
			"  recovery: restart after 5 s, 30 s, 1 min (also after an error exit)\n  logs:     Event Viewer > Windows Logs > Application, source %s\n",
			s.Name, s.Executable, strings.Join(s.Args, " "), s.Name)
		return exitOK
	}
	unit, err := service.RenderUnit(spec)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe install: %v\n", err)
		return exitUsage
	}
	_, _ = fmt.Fprintf(stdout, "# %s/%s.service\n%s", service.UnitDir, spec.WithDefaults().Name, unit)
	return exitOK
}

// writablePaths are the state folders outside /var/lib/<name> (which the
// unit's StateDirectory makes writable) that the agent writes.
func writablePaths(cfg Config, name string) []string {
	if runtime.GOOS != "linux" {
		return nil
	}
	state := "/var/lib/" + name
	var dirs []string
	for _, dir := range []string{cfg.SpoolDir, filepath.Dir(cfg.configCache())} {
		if dir = filepath.Clean(dir); dir != "." && !within(dir, state) {
			dirs = append(dirs, dir)
		}
	}
	// A folder inside another listed one is writable already.
	var out []string
	for _, d := range dirs {
		covered := false
		for _, o := range dirs {
			covered = covered || (o != d && within(d, o))
		}
		if !covered && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// within reports whether dir is root or below it.
func within(dir, root string) bool { return dir == root || strings.HasPrefix(dir, root+"/") }

// hiddenFromService reports whether a Linux path is in a folder the unit's
// ProtectHome and PrivateTmp hide from the service.
func hiddenFromService(path string) bool {
	for _, p := range []string{"/home/", "/root/", "/run/user/", "/tmp/", "/var/tmp/"} {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// uninstallCommand removes the service; the spool and credential stay.
func uninstallCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pantau-probe uninstall", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", service.DefaultName, "service `NAME`")
	fs.Usage = func() {
		_, _ = fmt.Fprint(stdout, "Usage: pantau-probe uninstall [--name NAME]\n\n"+
			"Stops the service and removes it (systemd unit or Windows service). The spool,\n"+
			"the credential and the configuration cache stay, so results not yet delivered\n"+
			"are sent after a re-install. Needs root or an Administrator prompt.\n\nOptions:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if code, ok := parseOrExit(fs, args); !ok {
		return code
	}
	if err := service.Uninstall(ctx, *name, stdout); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe uninstall: %v\n", err)
		return exitFailed
	}
	return exitOK
}
