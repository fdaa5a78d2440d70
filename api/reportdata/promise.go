package reportdata

import (
	"context"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
)

// Promise judges o's open central outage now (report.BuildPromise): the
// latest return of the link that keeps every SLA of the files received so
// far, with the overtime then needed and its cost, or the promises already
// broken. Today's intake, when not recorded yet, is the office's usual
// intake (projected, as in reports). Nil when no central outage is open.
func (b *Builder) Promise(ctx context.Context, o api.Office) (*report.Promise, error) {
	return b.promise(ctx, b.store.ModelReader(), o)
}

// Promiser returns Builder.Promise reading inside escalation's transaction
// (as the escalation hooks run), for Slack alerts and reminders.
func Promiser(store *postgres.Store) func(ctx context.Context, tx api.EscalationTx, o api.Office) (*report.Promise, error) {
	b := New(store, nil)
	return func(ctx context.Context, tx api.EscalationTx, o api.Office) (*report.Promise, error) {
		ptx, ok := tx.(*postgres.EscalationTx)
		if !ok {
			return nil, fmt.Errorf("promise: transaction %T is not the store's", tx)
		}
		return b.promise(ctx, ptx.ModelReader(), o)
	}
}

func (b *Builder) promise(ctx context.Context, r *postgres.ModelReader, o api.Office) (*report.Promise, error) {
	now := b.now()
	loc, err := Location(o)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(now, loc)
	p := Period{From: today, To: today, PlanFrom: today, ProjectFrom: today, Extend: true}
	// The model starts with nothing pending: begin the day before the
	// open outage did.
	if p.From, err = extend(ctx, r, []api.Office{o}, p); err != nil {
		return nil, err
	}
	l, err := load(ctx, r, []api.Office{o}, p, now)
	if err != nil {
		return nil, err
	}
	in, _, err := l.input(o, p, now)
	if err != nil {
		return nil, err
	}
	pr, err := report.BuildPromise(in)
	if err != nil {
		return nil, fmt.Errorf("office %s: promise: %w", o.Code, err)
	}
	return pr, nil
}

// EscalationPromiser is Promiser in escalation's shape (an
// escalate.Promiser, without importing escalate): the promise deadline of
// one office, summed up for a Slack message; nil when the office has no
// open central outage or nothing waits for it. now is the clock (nil: the
// real one).
func EscalationPromiser(store *postgres.Store, now func() time.Time) func(ctx context.Context, tx api.EscalationTx, ref api.EscalationOffice) (*api.PromiseSummary, error) {
	b := New(store, now)
	return func(ctx context.Context, tx api.EscalationTx, ref api.EscalationOffice) (*api.PromiseSummary, error) {
		ptx, ok := tx.(*postgres.EscalationTx)
		if !ok {
			return nil, fmt.Errorf("promise: transaction %T is not the store's", tx)
		}
		r := ptx.ModelReader()
		offices, err := r.Offices(ctx, []string{ref.Code})
		if err != nil {
			return nil, err
		}
		if len(offices) == 0 {
			return nil, nil
		}
		p, err := b.promise(ctx, r, offices[0])
		if err != nil || p == nil || (p.Kept && p.Deadline == nil) {
			return nil, err
		}
		return &api.PromiseSummary{Office: offices[0].Name, TZ: offices[0].TZ, Kept: p.Kept, Deadline: p.Deadline,
			OvertimeHours: p.OvertimeHours, Cost: p.Cost, Late: p.Late}, nil
	}
}
