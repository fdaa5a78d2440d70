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

// Estimates at recovery, for the Slack recovery notice.
const (
	// projectDays after the recovery are simulated with the usual intake,
	// so the overtime that clears the backlog and the clearance date are
	// those of an office that keeps receiving files.
	projectDays = 14
)

// Estimator returns the estimate at recovery for the Slack notice
// (api.BacklogEstimateWith wires it): for each office of a recovered
// incident, the backlog model over the outage (from the day
// before it to projectDays after the recovery), with recorded intake where
// there is some and the office's usual intake (its mean per document type
// and working day over the historyDays before) elsewhere. Documents is
// the offices' largest backlog above normal summed, OvertimeHours and Cost the overtime
// planned to clear it, ClearanceDate the latest office's clearance (a
// calendar day at midnight in that office's zone). It reads inside the
// detector's transaction, where the recovery is not yet committed. Offices
// with no intake recorded at all are left out; nil when none is left.
func Estimator(store *postgres.Store) func(ctx context.Context, tx api.EscalationTx, offices []api.EscalationOffice, start, end time.Time) (*api.BacklogEstimate, error) {
	b := New(store, nil)
	return func(ctx context.Context, tx api.EscalationTx, offices []api.EscalationOffice, start, end time.Time) (*api.BacklogEstimate, error) {
		ptx, ok := tx.(*postgres.EscalationTx)
		if !ok {
			return nil, fmt.Errorf("backlog estimate: transaction %T is not the store's", tx)
		}
		return b.estimate(ctx, ptx.ModelReader(), offices, start, end)
	}
}

func (b *Builder) estimate(ctx context.Context, r *postgres.ModelReader, refs []api.EscalationOffice, start, end time.Time) (*api.BacklogEstimate, error) {
	codes := make([]string, len(refs))
	for i, o := range refs {
		codes[i] = o.Code
	}
	offices, err := r.Offices(ctx, codes)
	if err != nil {
		return nil, err
	}
	if end.IsZero() {
		end = b.now()
	}
	var (
		est   api.BacklogEstimate
		found bool
	)
	for _, o := range offices {
		loc, err := Location(o)
		if err != nil {
			return nil, err
		}
		from := calendar.DateOf(start, loc).AddDays(-1)
		p := Period{From: from, To: calendar.DateOf(end, loc).AddDays(projectDays),
			PlanFrom: calendar.DateOf(end, loc), ProjectFrom: from}
		l, err := load(ctx, r, []api.Office{o}, p, end)
		if err != nil {
			return nil, err
		}
		in, _, err := l.input(o, p, end)
		if err != nil {
			return nil, err
		}
		if len(in.Intake) == 0 {
			continue
		}
		// The incident is over: an outage still open in the data (another
		// target, a late probe) is closed at the incident's end.
		in.AssumeEnd = end
		rep, err := report.Build(in)
		if err != nil {
			return nil, fmt.Errorf("office %s: backlog model: %w", o.Code, err)
		}
		found = true
		peak := 0
		for _, d := range rep.Days {
			peak = max(peak, d.Backlog-d.Normal)
		}
		est.Documents += peak
		est.OvertimeHours += float64(rep.Totals.OvertimeHours)
		est.Cost += rep.Totals.Cost
		if c := rep.Clearance; c != nil {
			if at := time.Date(c.Year, c.Month, c.Day, 0, 0, 0, 0, loc); at.After(est.ClearanceDate) {
				est.ClearanceDate = at
			}
		}
	}
	if !found {
		return nil, nil
	}
	return &est, nil
}
