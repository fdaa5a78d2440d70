package reportdata

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/postgres"
)

// Defaults for RefreshConfig.
const (
	DefaultRefreshInterval = 2 * time.Second
	DefaultRefreshTimeout  = 10 * time.Minute
	DefaultRefreshBatch    = 64
	DefaultRefreshKeep     = 35 * 24 * time.Hour
)

// RefreshConfig tunes the refresher; zero values take the defaults.
type RefreshConfig struct {
	// Interval between passes when there is nothing left (default 2 s).
	Interval time.Duration
	// Timeout bounds one pass (default 10 minutes).
	Timeout time.Duration
	// Batch is how many marked offices, and how many periods waiting to
	// be built, one pass takes (default 64).
	Batch int
	// Keep is how long a stored period nobody reads is kept (default 35
	// days).
	Keep   time.Duration
	Logger *slog.Logger
	Clock  clock.Clock
}

// NewRefresher returns the background service that keeps stored periods
// up to date (Builder.Refresh each pass).
func NewRefresher(store *postgres.Store, cfg RefreshConfig) *background.Service {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultRefreshInterval
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultRefreshTimeout
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	b := New(store, cfg.Clock.Now)
	return background.New(background.Config{Name: "reports", Interval: cfg.Interval, Timeout: cfg.Timeout,
		Clock: cfg.Clock, Logger: cfg.Logger}, func(ctx context.Context) (bool, error) {
		return b.Refresh(ctx, cfg.Batch, cfg.Keep)
	})
}

// Refresh is one pass of the refresher: it takes the marks of up to batch
// offices (0: DefaultRefreshBatch), rebuilds every stored period of those
// offices a mark reaches and up to batch periods asked for and not built,
// then deletes the marks it took, and drops periods not read for keep (0:
// DefaultRefreshKeep). Marks written while it builds stay for the next
// pass. more says a pass should follow at once. One replica refreshes at
// a time (Store.WithReportRefresh); the others' passes do nothing.
func (b *Builder) Refresh(ctx context.Context, batch int, keep time.Duration) (more bool, err error) {
	if batch <= 0 {
		batch = DefaultRefreshBatch
	}
	if keep <= 0 {
		keep = DefaultRefreshKeep
	}
	_, err = b.store.WithReportRefresh(ctx, func(ctx context.Context) error {
		marks, entries, err := b.store.ReportWork(ctx, batch)
		if err != nil {
			return err
		}
		offices := map[string]bool{}
		byOffice := map[string][]postgres.ReportMark{}
		for _, m := range marks {
			byOffice[m.Office] = append(byOffice[m.Office], m)
			offices[m.Office] = true
		}
		wanted := 0
		groups := map[postgres.ReportKey][]string{}
		var keys []postgres.ReportKey
		for _, e := range entries {
			stale := !e.Built
			if !e.Built {
				wanted++
			}
			for _, m := range byOffice[e.Office] {
				stale = stale || m.Reaches(e.Key.To)
			}
			if !stale {
				continue
			}
			if groups[e.Key] == nil {
				keys = append(keys, e.Key)
			}
			groups[e.Key] = append(groups[e.Key], e.Office)
		}
		for _, k := range keys {
			if err := b.rebuild(ctx, k, groups[k]); err != nil {
				return err
			}
		}
		if err := b.store.ClearReportMarks(ctx, marks); err != nil {
			return err
		}
		if _, err := b.store.PruneReports(ctx, b.now().Add(-keep), b.now()); err != nil {
			return err
		}
		more = len(offices) >= batch || wanted >= batch
		return nil
	})
	return more, err
}

// rebuild builds and stores codes' periods at k; an office whose data the
// model refuses loses its stored period (a request shows the error).
func (b *Builder) rebuild(ctx context.Context, k postgres.ReportKey, codes []string) error {
	offices, err := b.store.ModelReader().Offices(ctx, codes)
	if err != nil {
		return err
	}
	p, now := Period{From: k.From, To: k.To}, b.now()
	built, errs, err := b.build(ctx, offices, p, k.Asked, now)
	if err != nil {
		return fmt.Errorf("rebuild %s..%s: %w", k.From, k.To, err)
	}
	var good []*OfficeReport
	var bad []string
	for i, r := range built {
		if errs[i] != nil {
			bad = append(bad, offices[i].Code)
			continue
		}
		good = append(good, r)
	}
	if len(bad) > 0 {
		if err := b.store.DropReports(ctx, bad, k); err != nil {
			return err
		}
	}
	// Offices removed since: their periods went with them (ON DELETE CASCADE).
	return b.put(ctx, k, good, p, now, false)
}
