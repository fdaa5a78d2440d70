// Package retention is the maintenance job of the raw results: it creates
// the daily partitions ahead of time, refreshes the hourly rollups of every
// hour that received results (late spooled ones included), and drops raw
// partitions past the retention policy one at a time, after their rows are
// rolled up.
//
// Only hours that changed are touched: ingest marks each (office, probe,
// target, hour) it writes, in its own transaction (migrations/00011), and
// each run recomputes, from the raw rows, the marked hours that have closed
// (Settle ago). An hour is thus computed once, and again only when late
// results land in it: a result spooled for a week marks its own, old hour.
package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/postgres"
)

// Defaults for Config.
const (
	DefaultInterval    = time.Minute
	DefaultAhead       = 3
	DefaultSettle      = 2 * time.Minute
	DefaultLockTimeout = 5 * time.Second
	DefaultTimeout     = 10 * time.Minute
)

// Config tunes the job; zero values take the defaults.
type Config struct {
	// Interval is the time between two runs (default 1 minute).
	Interval time.Duration
	// Ahead is how many UTC days after today get their partition made in
	// advance, so midnight never waits on DDL (default 3).
	Ahead int
	// Settle is how long after an hour ends its rollup is first computed,
	// so results of its last minutes still on their way (agents upload every
	// few seconds to a minute) join that computation instead of causing a
	// second one (default 2 minutes). Correctness does not depend on it.
	Settle time.Duration
	// LockTimeout bounds how long a partition drop waits for readers of the
	// old partition before it gives up until the next run (default 5 s).
	LockTimeout time.Duration
	// Timeout bounds one run (default 10 minutes): a run is milliseconds
	// when little changed, but the first after a long stop refreshes every
	// hour since.
	Timeout time.Duration
	// Logger receives one line per run that did something, failed or
	// overran its Interval (default: discard).
	Logger *slog.Logger
	// Clock decides which days are ahead, which expired and which hours
	// have closed, and schedules the runs (default clock.Real).
	Clock clock.Clock
}

func (c Config) withDefaults() Config {
	if c.Interval <= 0 {
		c.Interval = DefaultInterval
	}
	if c.Ahead <= 0 {
		c.Ahead = DefaultAhead
	}
	if c.Settle <= 0 {
		c.Settle = DefaultSettle
	}
	if c.LockTimeout <= 0 {
		c.LockTimeout = DefaultLockTimeout
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	return c
}

// Job is the maintenance job, a background service.
type Job struct {
	cfg   Config
	store *postgres.Store
	log   *slog.Logger
	svc   *background.Service
}

// New returns a job over store.
func New(store *postgres.Store, cfg Config) *Job {
	cfg = cfg.withDefaults()
	j := &Job{cfg: cfg, store: store, log: cfg.Logger}
	j.svc = background.New(background.Config{Name: "retention", Interval: cfg.Interval, Timeout: cfg.Timeout,
		Clock: cfg.Clock, Logger: cfg.Logger}, func(ctx context.Context) (bool, error) {
		_, err := j.RunOnce(ctx)
		return false, err
	})
	return j
}

// Report is what one run did.
type Report struct {
	Created        int               // partitions made ahead (or found)
	Dropped        []time.Time       // UTC days whose raw partition was dropped
	Rollups        api.RollupRefresh // the refresh
	RollupsDeleted int64             // rollup rows past rollup_days
}

// Start runs the job now and then every Interval until ctx ends or Stop is
// called, and returns then (run it in a goroutine; serve's services runner
// waits for it, so shutdown never closes the pool under a partition drop).
// A failed run is logged and retried at the next tick: maintenance must
// never stop the server.
func (j *Job) Start(ctx context.Context) { j.svc.Start(ctx) }

// Stop ends the job and waits, at most until ctx ends, for the run under
// way.
func (j *Job) Stop(ctx context.Context) error { return j.svc.Stop(ctx) }

// Done is closed once Start has returned.
func (j *Job) Done() <-chan struct{} { return j.svc.Done() }

// RunOnce makes the partitions ahead, refreshes the rollups of the closed
// hours that changed, then drops
// expired partitions oldest first (each after the refresh that read its
// last rows) and deletes expired rollups. It stops at the first error, so a
// partition is never dropped whose rows a failed refresh did not read.
func (j *Job) RunOnce(ctx context.Context) (Report, error) {
	var rep Report
	now := j.cfg.Clock.Now().UTC()
	today := now.Truncate(24 * time.Hour)
	for d := range j.cfg.Ahead + 1 {
		if err := j.store.EnsurePartition(ctx, today.AddDate(0, 0, d)); err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
		rep.Created++
	}
	pol, err := j.store.RetentionPolicy(ctx)
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	// Keep raw_days days: today and the raw_days-1 before it.
	keepFrom := today.AddDate(0, 0, -(pol.RawDays - 1))
	rep.Rollups, err = j.store.RefreshRollups(ctx, now.Add(-j.cfg.Settle).Truncate(time.Hour), keepFrom)
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	days, err := j.store.ResultPartitions(ctx)
	if err != nil {
		return rep, fmt.Errorf("retention: %w", err)
	}
	for _, d := range days {
		if !d.Before(keepFrom) {
			break
		}
		if err := j.store.DropResultPartition(ctx, d, j.cfg.LockTimeout); err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
		rep.Dropped = append(rep.Dropped, d)
		j.log.Info("dropped raw results partition", "day", d.Format(time.DateOnly), "raw_days", pol.RawDays)
	}
	if pol.RollupDays > 0 {
		n, err := j.store.DeleteRollupsBefore(ctx, today.AddDate(0, 0, -(pol.RollupDays-1)))
		if err != nil {
			return rep, fmt.Errorf("retention: %w", err)
		}
		rep.RollupsDeleted = n
	}
	if rep.Rollups.Hours > 0 || len(rep.Dropped) > 0 || rep.RollupsDeleted > 0 {
		j.log.Info("retention run", "rollup_hours", rep.Rollups.Hours, "partitions_dropped", len(rep.Dropped),
			"rollups_deleted", rep.RollupsDeleted)
	}
	return rep, nil
}
