package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/pantau-id/pantau/probe/agent"
	"github.com/pantau-id/pantau/probe/service"
	"github.com/pantau-id/pantau/probe/spool"
	"github.com/pantau-id/pantau/probe/update"
)

// runCommand runs the agent until ctx is done, or until a self-update is
// staged: then it stops the agent and hands over to the new version (see
// probe/update; on Linux the process re-executes itself, on Windows the
// service is restarted by a watchdog).
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, code, ok := parseFlags("run", "Runs the agent: checks every target each interval, spools the results\n"+
		"on disk and delivers them to the server. Targets come from the server unless\n"+
		"the config file lists them (see targets_source). Stops cleanly on SIGINT/SIGTERM\n"+
		"(and on a stop from the Windows service manager). Updates itself when the server\n"+
		"offers a release signed with the key it was enrolled with.", args, stdout, stderr, getenv, true)
	if !ok {
		return code
	}
	if err := service.CheckPrivate(cfg.privatePaths()...); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe run: refusing to start: %v.\n"+
			"Anyone who can change these files can send this probe's token to another server.\n"+
			"Fix: %s\n", err, fixHint())
		return exitUsage
	}
	level, _ := parseLevel(cfg.LogLevel) // validated
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if v := getenv(update.TrialEnv); v != "" {
		log = log.With("trial", v)
	}
	up, err := newUpdater(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailed
	}
	p, err := Open(cfg, log, up)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailed
	}
	runCtx, stopRun := context.WithCancel(ctx)
	var (
		staged *update.Staged
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		if staged, _ = up.Run(runCtx); staged != nil {
			stopRun() // the agent stops cleanly, then the update goes on
		}
	})
	runErr := p.Run(runCtx)
	stopRun()
	wg.Wait()
	if err := p.Close(); err != nil {
		log.Error("close", "err", err)
	}
	if runErr != nil {
		log.Error("agent stopped", "err", runErr)
		return exitFailed
	}
	if staged != nil && ctx.Err() == nil {
		if err := up.Apply(ctx, staged, append([]string{"run"}, args...), stdout, stderr); err != nil {
			log.Error("update failed", "version", staged.Version, "err", err)
			return exitFailed
		}
	}
	return exitOK
}

// newUpdater builds the self-updater from the config and the credential's
// release key.
func newUpdater(cfg Config, log *slog.Logger) (*update.Updater, error) {
	token, err := cfg.token()
	if err != nil {
		return nil, err
	}
	exe, err := update.Executable()
	if err != nil {
		return nil, err
	}
	name := ""
	if service.IsService() {
		name = service.DefaultName
	}
	return update.New(update.Config{
		Server: cfg.Server, Token: token, Version: version, PublicKey: cfg.releaseKey,
		Executable: exe, StateFile: cfg.updateState(), Trial: cfg.UpdateTrial.D(),
		Service: name, Logger: log,
	})
}

// watchdogCommand is the Windows update watchdog (see update.Watch), which
// the agent starts from the old program; not for people.
func watchdogCommand(ctx context.Context, args []string, stderr io.Writer) int {
	fs := flag.NewFlagSet("pantau-probe "+update.WatchdogCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	state := fs.String("state", "", "update state `FILE`")
	exe := fs.String("exe", "", "the agent program's `PATH`")
	name := fs.String("service", service.DefaultName, "service `NAME`")
	if code, ok := parseOrExit(fs, args); !ok {
		return code
	}
	if *state == "" || *exe == "" {
		_, _ = fmt.Fprintln(stderr, "pantau-probe update-watchdog: --state and --exe are required")
		return exitUsage
	}
	logs := io.Writer(stderr)
	if f, err := update.WatchLog(*state); err == nil && f != os.Stderr {
		defer func() { _ = f.Close() }()
		logs = f
	}
	if err := update.Watch(ctx, *state, *exe, *name, logs); err != nil {
		_, _ = fmt.Fprintf(logs, "update watchdog: %v\n", err)
		return exitFailed
	}
	return exitOK
}

// Probe is a configured agent with its spool open.
type Probe struct {
	spool *spool.Spool
	agent *agent.Agent
}

// Open opens the spool and builds the agent from a validated config; up,
// when not nil, follows the server's update offers.
func Open(cfg Config, log *slog.Logger, up agent.Updater) (*Probe, error) {
	token, err := cfg.token()
	if err != nil {
		return nil, err
	}
	sp, err := spool.Open(cfg.SpoolDir, spool.Options{MaxBytes: cfg.SpoolMaxBytes, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open spool %s: %w", cfg.SpoolDir, err)
	}
	acfg := agent.Config{
		Server: cfg.Server, Token: token, Interval: cfg.Interval.D(), Timeout: cfg.Timeout.D(),
		BatchSize: cfg.BatchSize, UploadDelay: cfg.UploadDelay.D(), Targets: cfg.Targets, Version: version, Logger: log,
		Updater: up,
	}
	if cfg.source() == sourceServer {
		// Targets and interval come from the server, followed every
		// config_poll, the last good ones kept on disk.
		acfg.ConfigPoll, acfg.ConfigCache = cfg.ConfigPoll.D(), cfg.configCache()
	}
	a, err := agent.New(acfg, sp)
	if err != nil {
		_ = sp.Close()
		return nil, err
	}
	return &Probe{spool: sp, agent: a}, nil
}

// Run runs the agent until ctx is done.
func (p *Probe) Run(ctx context.Context) error { return p.agent.Run(ctx) }

// Close closes the spool.
func (p *Probe) Close() error { return p.spool.Close() }
