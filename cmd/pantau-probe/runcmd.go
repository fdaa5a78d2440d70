package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/pantau-id/pantau/probe/agent"
	"github.com/pantau-id/pantau/probe/service"
	"github.com/pantau-id/pantau/probe/spool"
)

// runCommand runs the agent until ctx is done.
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	cfg, code, ok := parseFlags("run", "Runs the agent: checks every target each interval, spools the results\n"+
		"on disk and delivers them to the server. Targets come from the server unless\n"+
		"the config file lists them (see targets_source). Stops cleanly on SIGINT/SIGTERM\n"+
		"(and on a stop from the Windows service manager).", args, stdout, stderr, getenv, true)
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
	p, err := Open(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return exitFailed
	}
	runErr := p.Run(ctx)
	if err := p.Close(); err != nil {
		log.Error("close", "err", err)
	}
	if runErr != nil {
		log.Error("agent stopped", "err", runErr)
		return exitFailed
	}
	return exitOK
}

// Probe is a configured agent with its spool open.
type Probe struct {
	spool *spool.Spool
	agent *agent.Agent
}

// Open opens the spool and builds the agent from a validated config.
func Open(cfg Config, log *slog.Logger) (*Probe, error) {
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
