package reportdata

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// Builder makes reports from the store.
type Builder struct {
	store *postgres.Store
	now   func() time.Time
	// workers bounds the offices built at once (0: every core, at least 8).
	workers int
	pruned  time.Time // the refresher's last prune
	// promoted is the quarter hour whose periods built ahead the
	// refresher last moved into their periods.
	promoted time.Time
}

// New returns a Builder over store; now is the clock (time.Now if nil).
func New(store *postgres.Store, now func() time.Time) *Builder {
	if now == nil {
		now = time.Now
	}
	return &Builder{store: store, now: now}
}

// OfficeReport is one office's period: the backlog model's report, the
// availability beside it, and the settings and intake it was built from.
type OfficeReport struct {
	Office api.Office     `json:"office"`
	Report *report.Report `json:"report"`
	// Availability is nil for a period that has not begun.
	Availability *sla.Report        `json:"availability"`
	Settings     api.OfficeSettings `json:"settings"`
	// Intake is as recorded, with the office's own completed counts.
	Intake []api.IntakeRow `json:"intake"`
	// RequestedFrom is the From asked for when Period.Extend moved the
	// report's start back over an outage open then (zero otherwise).
	RequestedFrom calendar.Date `json:"requested_from,omitzero"`
	// Model is the office as the model saw it: calendar with holidays,
	// catalogue with overrides, staff and rates (for pages and charts).
	Model report.Office `json:"-"`
	// Projected says from when the model was given the office's usual
	// intake for days not recorded (nil: nothing projected).
	Projected *Projection `json:"projected"`
	// today is, for a period running through today, the availability
	// measured up to the start of today and today's working time, as it
	// is stored (area.go); nil for a period that had ended.
	today *availPart
}

// Office builds one office's report over p.
func (b *Builder) Office(ctx context.Context, o api.Office, p Period) (*OfficeReport, error) {
	rs, err := b.offices(ctx, []api.Office{o}, p)
	if err != nil {
		return nil, err
	}
	return rs[0], nil
}

// AreaReport is a province's or the country's period: the offices'
// reports summed (report.Aggregate), availability summed, and one line per
// office.
type AreaReport struct {
	Code         string          `json:"code"` // province code, or "ID" for the country
	Name         string          `json:"name"`
	Report       *report.Report  `json:"report"`
	Availability *sla.Report     `json:"availability"`
	Offices      []OfficeSummary `json:"offices"`
	// RequestedFrom is as in OfficeReport.
	RequestedFrom calendar.Date `json:"requested_from,omitzero"`
	// Stored counts the offices whose figures were read from the store
	// rather than built in the request.
	Stored int `json:"-"`
}

// OfficeSummary is one office's line in an area report.
type OfficeSummary struct {
	Code         string         `json:"code"`
	Name         string         `json:"name"`
	Totals       report.Totals  `json:"totals"`
	Feasible     bool           `json:"feasible"`
	Clearance    *calendar.Date `json:"clearance"` // null when none
	Outages      int            `json:"outages"`   // central outages the model saw
	Availability *sla.Report    `json:"availability"`
	// Backlog is the files pending at the end of the period's last day
	// (the province page's column).
	Backlog int `json:"-"`
	// Plan is the days with planned overtime, when Period.Plans asked.
	Plan []report.Day `json:"-"`
}

// offices reads every office's data in a few queries, then builds the
// reports and availability in parallel (report.Build may run for many
// offices at once).
func (b *Builder) offices(ctx context.Context, offices []api.Office, p Period) ([]*OfficeReport, error) {
	p, asked, err := b.prepare(ctx, offices, p)
	if err != nil {
		return nil, err
	}
	out, errs, err := b.build(ctx, offices, p, asked, b.now())
	if err != nil {
		return nil, err
	}
	if err := firstError(errs); err != nil {
		return nil, err
	}
	return out, nil
}

// prepare validates p and applies Period.Extend; it returns the period
// to simulate and the From that was asked.
func (b *Builder) prepare(ctx context.Context, offices []api.Office, p Period) (Period, calendar.Date, error) {
	if err := p.Validate(); err != nil {
		return p, calendar.Date{}, err
	}
	asked := p.From
	if p.Extend {
		var err error
		if p.From, err = extend(ctx, b.store.ModelReader(), offices, p); err != nil {
			return p, asked, err
		}
	}
	return p, asked, nil
}

// build reads offices' data for p and builds their reports in parallel;
// errs[i] is office i's own failure (its data does not fit the model), err
// a failure to read.
func (b *Builder) build(ctx context.Context, offices []api.Office, p Period, asked calendar.Date, now time.Time) (out []*OfficeReport, errs []error, err error) {
	if len(offices) == 0 {
		return nil, nil, nil
	}
	l, err := load(ctx, b.store.ModelReader(), offices, p, now)
	if err != nil {
		return nil, nil, err
	}
	out = make([]*OfficeReport, len(offices))
	errs = make([]error, len(offices))
	n := b.workers
	if n <= 0 {
		n = max(8, runtime.GOMAXPROCS(0))
	}
	sem := make(chan struct{}, n)
	var wg sync.WaitGroup
	for i, o := range offices {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[i], errs[i] = b.office(l, o, p, asked, now)
		}()
	}
	wg.Wait()
	return out, errs, nil
}

// firstError is the first non-nil of errs (the one a user is shown).
func firstError(errs []error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// office builds one office's report from what load read.
func (b *Builder) office(l *loaded, o api.Office, p Period, asked calendar.Date, now time.Time) (*OfficeReport, error) {
	in, proj, err := l.input(o, p, now)
	if err != nil {
		return nil, err
	}
	rep, err := report.Build(in)
	if err != nil {
		return nil, api.Errorf(api.EInvalid, "office %s: backlog model: %v", o.Code, err)
	}
	r := &OfficeReport{Office: o, Report: rep, Settings: l.settings[o.Code], Intake: []api.IntakeRow{}, Projected: proj, Model: in.Office}
	for _, row := range l.intake[o.Code] {
		if !row.Date.After(p.To) {
			r.Intake = append(r.Intake, row)
		}
	}
	if asked != p.From {
		r.RequestedFrom = asked
	}
	start, end := asked.In(in.Office.Calendar.Zone, 0), p.To.AddDays(1).In(in.Office.Calendar.Zone, 0)
	through := end.After(now) // the period runs through today (or later)
	if through {
		end = now
	}
	var spans []sla.Span
	if end.After(start) {
		spans = l.spans(o.Code, start, end)
		av, err := sla.Compute(spans, start, end, in.Office.Calendar)
		if err != nil {
			return nil, fmt.Errorf("office %s: availability: %w", o.Code, err)
		}
		r.Availability = &av
	}
	if through {
		if r.today, err = partOf(spans, in.Office.Calendar, start, now); err != nil {
			return nil, fmt.Errorf("office %s: availability: %w", o.Code, err)
		}
	}
	return r, nil
}

// spans is office's timeline over [start, end) as Store.OfficeTimeline
// gives it, from the series load read for every office at once.
func (l *loaded) spans(office string, start, end time.Time) []sla.Span {
	var ws []detect.Window
	for _, m := range l.maintenance[office] {
		ws = append(ws, detect.Window{ID: m.ID, Start: m.StartsAt, End: m.EndsAt})
	}
	return timelineSpans(l.series[office], ws, start, end)
}

// timelineSpans is the timeline of series and maintenance windows ws over
// [start, end) as availability spans.
func timelineSpans(series []detect.Series, ws []detect.Window, start, end time.Time) []sla.Span {
	tl := detect.Timeline(series, ws, start, end)
	spans := make([]sla.Span, len(tl))
	for i, iv := range tl {
		spans[i] = sla.Span{Start: iv.From, End: iv.To, State: sla.State(iv.State)}
	}
	return spans
}
