package demo

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/agent"
	"github.com/pantau-id/pantau/probe/spool"
)

// Config is the demo's shape; zero values take the defaults.
type Config struct {
	// Province whose offices get simulated probes (default 73, Sulawesi Selatan).
	Province string
	// Interval between checks (default 5 s, so a cut shows within seconds).
	Interval time.Duration
	// SpoolDir holds one spool folder per office's agent.
	SpoolDir string
	// Logger receives the agents' logs.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Province == "" {
		c.Province = "73"
	}
	if c.Interval <= 0 {
		c.Interval = 5 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Office is one demo office with its probe's token.
type Office struct {
	Code, Name string
	Token      string
	Targets    []probe.Target
}

// demoProbePrefix names the probes the demo registers, so a new run can
// revoke the previous run's (tokens are stored hashed: a run needs new ones).
const demoProbePrefix = "demo-"

// Setup gives every office of the province a central and an internet
// target pointing at reg, and a fresh demo probe.
func Setup(ctx context.Context, store *postgres.Store, reg *Registry, cfg Config) ([]Office, error) {
	cfg = cfg.withDefaults()
	offices, err := store.Offices(ctx, api.OfficeFilter{ProvinceCode: cfg.Province})
	if err != nil {
		return nil, err
	}
	if len(offices) == 0 {
		return nil, fmt.Errorf("demo: province %s has no offices (import regions first)", cfg.Province)
	}
	existing, err := store.Probes(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, p := range existing {
		if p.RevokedAt == nil && strings.HasPrefix(p.Name, demoProbePrefix) {
			if err := store.RevokeProbe(ctx, p.OfficeCode, p.ID); err != nil {
				return nil, err
			}
		}
	}
	name := demoProbePrefix + time.Now().UTC().Format("20060102T150405")
	out := make([]Office, 0, len(offices))
	for _, o := range offices {
		timeout := probe.Duration(2 * time.Second)
		targets := []probe.Target{
			{Name: "siak-pusat", Kind: probe.KindCentral, Check: probe.CheckHTTP, Address: reg.URL() + "/central/" + o.Code, BodyContains: "OK", Timeout: timeout},
			{Name: "internet", Kind: probe.KindInternet, Check: probe.CheckHTTP, Address: reg.URL() + "/internet/" + o.Code, Timeout: timeout},
		}
		for _, t := range targets {
			if _, err := store.PutTarget(ctx, api.Target{OfficeCode: o.Code, Spec: t, Interval: cfg.Interval}); err != nil {
				return nil, fmt.Errorf("demo target for %s: %w", o.Code, err)
			}
		}
		_, token, err := store.CreateProbe(ctx, o.Code, name)
		if err != nil {
			return nil, fmt.Errorf("demo probe for %s: %w", o.Code, err)
		}
		out = append(out, Office{Code: o.Code, Name: o.Name, Token: token, Targets: targets})
	}
	return out, nil
}

// RunAgents runs one real probe agent per office against serverURL until
// ctx ends. Each has its own disk spool, exactly as in an office.
func RunAgents(ctx context.Context, serverURL string, offices []Office, cfg Config) error {
	cfg = cfg.withDefaults()
	var wg sync.WaitGroup
	errs := make(chan error, len(offices))
	for _, o := range offices {
		sp, err := spool.Open(filepath.Join(cfg.SpoolDir, o.Code), spool.Options{MaxBytes: 8 << 20, Logger: cfg.Logger})
		if err != nil {
			return fmt.Errorf("demo spool for %s: %w", o.Code, err)
		}
		a, err := agent.New(agent.Config{Server: serverURL, Token: o.Token, Interval: cfg.Interval,
			Targets: o.Targets, Version: "demo", BackoffMax: 10 * time.Second,
			Logger: cfg.Logger.With("office", o.Code)}, sp)
		if err != nil {
			sp.Close()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer sp.Close()
			if err := a.Run(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("agent %s: %w", o.Code, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}
