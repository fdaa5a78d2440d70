package reportdata

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report/calendar"
)

// Defaults for RefreshConfig.
const (
	DefaultRefreshInterval = 2 * time.Second
	DefaultRefreshTimeout  = 10 * time.Minute
	DefaultRefreshBatch    = 32
	DefaultRefreshKeep     = 35 * 24 * time.Hour
	DefaultRefreshDuty     = 0.1
)

// RefreshConfig tunes the refresher; zero values take the defaults.
type RefreshConfig struct {
	// Interval between passes when there is nothing left (default 2 s).
	Interval time.Duration
	// Timeout bounds one pass (default 10 minutes).
	Timeout time.Duration
	// Batch is how many marked offices, and how many periods waiting to
	// be built, one pass takes (default 32).
	Batch int
	// Keep is how long a stored period nobody reads is kept (default 35
	// days).
	Keep time.Duration
	// Workers bounds the offices built at once (default 1: the refresher
	// runs beside ingest and detection and yields to them; a request
	// builds what is not stored yet with every core).
	Workers int
	// Duty is the share of the time the refresher may spend in passes
	// (default 0.1): after a pass that took d it rests d×(1−Duty)/Duty
	// before the next, so catching up (the defaults warmed for every
	// office, every office rebuilt after a national cut ends) costs at
	// most that share of one core; reads stay exact meanwhile (what is
	// not stored yet is built in the request).
	Duty   float64
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
	if cfg.Keep <= 0 {
		cfg.Keep = DefaultRefreshKeep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Duty <= 0 || cfg.Duty > 1 {
		cfg.Duty = DefaultRefreshDuty
	}
	b := New(store, cfg.Clock.Now)
	b.workers = max(cfg.Workers, 1)
	var (
		warmed    string    // the dates Warm last ran for
		slotted   time.Time // the quarter hour RewantAssumed last ran for
		restUntil time.Time
	)
	return background.New(background.Config{Name: "reports", Interval: cfg.Interval, Timeout: cfg.Timeout,
		Clock: cfg.Clock, Logger: cfg.Logger}, func(ctx context.Context) (more bool, err error) {
		// Rest in proportion to the work done: passes before restUntil
		// do nothing (a pass with nothing to do takes milliseconds).
		if time.Now().Before(restUntil) {
			return false, nil
		}
		start := time.Now()
		defer func() {
			took := time.Since(start)
			restUntil = start.Add(took + time.Duration(float64(took)*(1-cfg.Duty)/cfg.Duty))
		}()
		// At start, and when a day begins in one of the country's zones
		// (UTC+7 to +9), the periods users read by default change.
		now := b.now()
		key := ""
		for h := 7; h <= 9; h++ {
			key += calendar.DateOf(now, time.FixedZone("", h*3600)).String()
		}
		if key != warmed {
			if err := b.Warm(ctx); err != nil {
				return false, err
			}
			warmed = key
		}
		// A new quarter hour: the periods with an open outage read lately
		// assumed it ended in the last one; build them for this one.
		if slot := slotEnd(now); !slot.Equal(slotted) {
			if _, err := b.store.RewantAssumed(ctx, slot, now.Add(-rewantRead)); err != nil {
				return false, err
			}
			slotted = slot
		}
		if now.Sub(b.pruned) >= pruneEvery {
			if _, err := b.store.PruneReports(ctx, now.Add(-cfg.Keep), now); err != nil {
				return false, err
			}
			b.pruned = now
		}
		return b.Refresh(ctx, cfg.Batch)
	})
}

// Periods users read without asking, which the refresher keeps stored for
// every office (Warm).
const (
	// APIDefaultDays is the reports API's period: the days up to today in
	// the area's zone, from moved back over an open outage
	// (Period.Extend).
	APIDefaultDays = 30
	// PageDefaultDays is the province page's: the days up to today in the
	// province's zone.
	PageDefaultDays = 14
	// NationalTZ is the zone of the nation's "today".
	NationalTZ = "Asia/Jakarta"
)

// Warm asks for the periods users read by default to be stored for every
// office: the reports API's province and national periods and the
// province page's, as their requests key them (Store.WantReports; the
// refresher then builds them, a batch a pass), and again for the periods
// through today read in the last two days that were built on an earlier
// date (Store.RewantOutdated). Rows already stored for today are left
// alone.
func (b *Builder) Warm(ctx context.Context) error {
	if _, err := b.store.RewantOutdated(ctx, b.now(), b.now().Add(-48*time.Hour)); err != nil {
		return err
	}
	provinces, err := b.store.Provinces(ctx)
	if err != nil {
		return err
	}
	offices, err := b.store.Offices(ctx, api.OfficeFilter{})
	if err != nil {
		return err
	}
	if len(offices) == 0 {
		return nil
	}
	byProvince := map[string][]api.Office{}
	for _, o := range offices {
		byProvince[o.ProvinceCode] = append(byProvince[o.ProvinceCode], o)
	}
	type area struct {
		offices []api.Office
		tz      string
		days    int
		extend  bool
	}
	areas := []area{{offices, NationalTZ, APIDefaultDays, true}}
	for _, pr := range provinces {
		if offs := byProvince[pr.Code]; len(offs) > 0 {
			areas = append(areas, area{offs, pr.TZ, APIDefaultDays, true}, area{offs, pr.TZ, PageDefaultDays, false})
		}
	}
	now := b.now()
	for _, a := range areas {
		loc, err := calendar.LoadZone(a.tz)
		if err != nil {
			return fmt.Errorf("warm reports: %w", err)
		}
		today := calendar.DateOf(now, loc)
		p, asked, err := b.prepare(ctx, a.offices, Period{From: today.AddDays(-(a.days - 1)), To: today, Extend: a.extend})
		if err != nil {
			return err
		}
		codes := make([]string, len(a.offices))
		for i, o := range a.offices {
			codes[i] = o.Code
		}
		if err := b.store.WantReports(ctx, codes, postgres.ReportKey{From: p.From, To: p.To, Asked: asked}, now, slotEnd(now)); err != nil {
			return err
		}
	}
	return nil
}

// pruneEvery is how often the refresher drops periods nobody reads.
const pruneEvery = time.Minute

// rewantRead is how lately a period with an open outage must have been
// read for the refresher to build it again each quarter hour.
const rewantRead = 30 * time.Minute

// aheadLead is how long before a quarter hour ends the refresher, with
// nothing else to do, builds the periods with an open outage read lately
// for the next one (migrations/00030), so that its first read finds them.
const aheadLead = 5 * time.Minute

// Refresh is one pass of the refresher: it takes the marks of up to batch
// offices (0: DefaultRefreshBatch), rebuilds every stored period of those
// offices a mark reaches and up to batch periods asked for and not built,
// then deletes the marks it took (and the periods built ahead for those
// offices). Marks written while it builds stay for the next pass. With
// none of that to do, in the last aheadLead of a quarter hour, it builds
// up to batch periods with an open outage read lately for the next
// quarter hour (AheadWork), and at the first pass of a quarter hour it
// moves those built ahead for it into their periods. more says a pass
// should follow at once. One replica refreshes at a time
// (Store.WithReportRefresh); the others' passes do nothing. (The service
// also drops periods not read for keep, each minute.)
func (b *Builder) Refresh(ctx context.Context, batch int) (more bool, err error) {
	if batch <= 0 {
		batch = DefaultRefreshBatch
	}
	_, err = b.store.WithReportRefresh(ctx, func(ctx context.Context) error {
		now := b.now()
		slot := slotEnd(now)
		if !slot.Equal(b.promoted) { // once a quarter hour: none are built ahead for the current one
			if _, err := b.store.PromoteNextReports(ctx, slot); err != nil {
				return err
			}
			b.promoted = slot
		}
		marks, entries, err := b.store.ReportWork(ctx, batch)
		if err != nil {
			return err
		}
		if len(marks) == 0 && len(entries) == 0 && slot.Sub(now) <= aheadLead {
			n, err := b.ahead(ctx, slot, batch)
			more = n >= batch
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
		asked := map[postgres.ReportKey]map[string]bool{} // wanted, not only marked
		var keys []postgres.ReportKey
		for _, e := range entries {
			stale := !e.Built
			if !e.Built {
				wanted++
				if asked[e.Key] == nil {
					asked[e.Key] = map[string]bool{}
				}
				asked[e.Key][e.Office] = true
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
			if err := b.rebuild(ctx, k, groups[k], asked[k]); err != nil {
				return err
			}
		}
		if err := b.store.ClearReportMarks(ctx, marks); err != nil {
			return err
		}
		more = len(offices) >= batch || wanted >= batch
		return nil
	})
	return more, err
}

// ahead builds up to batch periods with an open outage, read lately and
// stored for the quarter hour ending at slot, for the next quarter hour:
// as a build just after slot would, which is what a read in it compares
// with (migrations/00030). It returns how many periods it took.
func (b *Builder) ahead(ctx context.Context, slot time.Time, batch int) (int, error) {
	at := slot.Add(time.Nanosecond) // the next quarter hour's first instant
	entries, err := b.store.AheadWork(ctx, slot, slotEnd(at), b.now().Add(-rewantRead), at, batch)
	if err != nil {
		return 0, err
	}
	groups := map[postgres.ReportKey][]string{}
	var keys []postgres.ReportKey
	for _, e := range entries {
		if groups[e.Key] == nil {
			keys = append(keys, e.Key)
		}
		groups[e.Key] = append(groups[e.Key], e.Office)
	}
	for _, k := range keys {
		offices, err := b.store.ModelReader().Offices(ctx, groups[k])
		if err != nil {
			return 0, err
		}
		built, errs, err := b.build(ctx, offices, Period{From: k.From, To: k.To}, k.Asked, at)
		if err != nil {
			return 0, fmt.Errorf("build ahead %s..%s: %w", k.From, k.To, err)
		}
		var out []postgres.StoredReport
		for i, r := range built {
			if errs[i] != nil {
				continue // a read shows the error
			}
			s, err := toStored(r)
			if err != nil {
				return 0, err
			}
			out = append(out, s)
		}
		if err := b.store.PutNextReports(ctx, k, out, b.now()); err != nil {
			return 0, err
		}
	}
	return len(entries), nil
}

// rebuild builds and stores codes' periods at k (wanted: the offices whose
// period was asked for, not only marked); an office whose data the model
// refuses loses its stored period (a request shows the error).
func (b *Builder) rebuild(ctx context.Context, k postgres.ReportKey, codes []string, wanted map[string]bool) error {
	all, err := b.store.ModelReader().Offices(ctx, codes)
	if err != nil {
		return err
	}
	// An office with a central outage still open during the period has it
	// assumed to end now: its figures hold for the current quarter hour
	// only. Only a mark brought it here (a national cut marks every
	// office, often) and no one asked for it: it is held, not built; a
	// read asks for it again (WantReports), and the outage's end marks it.
	open, err := b.store.OpenCentralOutages(ctx, codes)
	if err != nil {
		return err
	}
	var (
		offices []api.Office
		held    []postgres.StoredReport
	)
	for _, o := range all {
		if at, ok := open[o.Code]; ok && !wanted[o.Code] {
			loc, err := Location(o)
			if err != nil {
				return err
			}
			if at.Before(k.To.AddDays(1).In(loc, 0)) {
				held = append(held, postgres.StoredReport{Office: o.Code})
				continue
			}
		}
		offices = append(offices, o)
	}
	p, now := Period{From: k.From, To: k.To}, b.now()
	if _, err := b.store.PutReports(ctx, k, held, false, now); err != nil {
		return err
	}
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
	return b.put(ctx, k, good, now, false)
}
