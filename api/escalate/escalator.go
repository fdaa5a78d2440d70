package escalate

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Clock tells the time; tests inject a simulated one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

// Escalator turns incident events and the passing of time into outbox rows.
// It never talks to Slack; Sender does.
type Escalator struct {
	pool         *pgxpool.Pool
	clock        Clock
	logger       *slog.Logger
	tickInterval time.Duration
	estimator    Estimator
}

// Estimator gives the backlog and overtime estimate of a recovered
// incident (the report package's model, wired by the server). It runs in
// the detector's transaction; an error leaves the notice without estimate.
type Estimator func(ctx context.Context, tx pgx.Tx, ev IncidentEvent) (*Estimate, error)

// Options configure an Escalator; zero values take the defaults.
type Options struct {
	Clock        Clock         // default SystemClock
	Logger       *slog.Logger  // default slog.Default()
	TickInterval time.Duration // how often Start runs Tick; default 1m
	Estimator    Estimator     // optional: estimate for recoveries that come without one
}

// New returns an Escalator over pool (used by Tick and Acknowledge; Observe
// uses the caller's transaction).
func New(pool *pgxpool.Pool, opts Options) *Escalator {
	if opts.Clock == nil {
		opts.Clock = SystemClock
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TickInterval <= 0 {
		opts.TickInterval = time.Minute
	}
	return &Escalator{pool: pool, clock: opts.Clock, logger: opts.Logger, tickInterval: opts.TickInterval,
		estimator: opts.Estimator}
}

// Observe records ev and queues the messages it causes, inside tx: the
// detector calls it in the same transaction as the incident's change, so the
// messages exist exactly when the change does. Replayed events queue nothing
// new.
func (e *Escalator) Observe(ctx context.Context, tx pgx.Tx, ev IncidentEvent) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	offices := append([]OfficeRef(nil), ev.Offices...)
	if err := fillOffices(ctx, tx, offices); err != nil {
		return err
	}
	pol, err := LoadPolicy(ctx, tx)
	if err != nil {
		return err
	}
	now := e.clock.Now()
	inc, found, err := lockIncident(ctx, tx, ev.IncidentID)
	if err != nil {
		return err
	}
	switch {
	case !found && ev.Kind == Retracted, found && inc.Retracted:
		return nil // nobody was told, or it is over for good
	case !found:
		inc = incident{Anchor: offices[0].Code, ID: ev.IncidentID, Version: 1}
	case inc.EndedAt != nil && ev.Kind != Reopened && ev.Kind != Retracted:
		return nil // recovered already: a late or replayed event changes nothing
	case inc.EndedAt == nil && ev.Kind == Reopened:
		ev.Kind = ScopeChanged // never closed here: only its details may have changed
	}
	if found && (ev.Kind == Opened || ev.Kind == ScopeChanged) && sameState(inc, ev, offices) {
		// A replayed event: only what time alone may have brought.
		return e.evaluate(ctx, tx, pol, inc, now)
	}
	before, err := loadThreads(ctx, tx, inc)
	if err != nil {
		return err
	}
	inc.Scope, inc.Cause, inc.Offices, inc.StartedAt = ev.Scope, ev.Cause, offices, ev.StartedAt
	inc.Maintenance = ev.Maintenance
	if found {
		inc.Version++
	}
	switch ev.Kind {
	case Recovered:
		end := ev.EndedAt
		inc.EndedAt, inc.Estimate = &end, ev.BacklogEstimate
		if inc.Estimate == nil && e.estimator != nil {
			ev.Offices = offices
			if inc.Estimate, err = e.estimator(ctx, tx, ev); err != nil {
				// The recovery notice matters more than its estimate.
				e.logger.WarnContext(ctx, "backlog estimate failed", slog.Int64("incident_id", inc.ID), slog.Any("error", err))
				inc.Estimate = nil
			}
		}
	case Reopened:
		inc.EndedAt, inc.Estimate = nil, nil
	case Retracted:
		inc.Retracted = true
		if inc.EndedAt == nil {
			inc.EndedAt = &now // so ticks, folding and digests pass it by
		}
	}
	if err := saveIncident(ctx, tx, inc); err != nil {
		return err
	}
	switch ev.Kind {
	case Recovered:
		return e.recover(ctx, tx, pol, inc, before, now)
	case Retracted:
		return e.retract(ctx, tx, pol, inc, before, now)
	}
	if err := e.evaluate(ctx, tx, pol, inc, now); err != nil {
		return err
	}
	// The top messages already out show the old scope, offices or state.
	id := inc.ID
	for _, th := range before {
		if err := enqueueUpdate(ctx, tx, inc, th, topMessage(pol.Language, inc, officesFor(inc, th)), now); err != nil {
			return err
		}
		if ev.Kind == Reopened {
			if _, err := enqueue(ctx, tx, outboxRow{Office: inc.Anchor,
				Key:        fmt.Sprintf("%s:v%d", incidentKey(inc.ID, th.Channel, "reopened"), inc.Version),
				IncidentID: &id, Channel: th.Channel, Kind: "reopened", Parent: incidentKey(inc.ID, th.Channel, "open"),
				Msg: reopenedMessage(pol.Language), At: now}); err != nil {
				return err
			}
		}
	}
	return nil
}

// retract withdraws what is not out yet and marks the top messages that
// are out as withdrawn: late data showed the incident never was.
func (e *Escalator) retract(ctx context.Context, tx pgx.Tx, pol Policy, inc incident, ths []thread, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE escalation_outbox SET status = 'cancelled'
		WHERE office_code = $1 AND incident_id = $2 AND status = 'pending'`, inc.Anchor, inc.ID); err != nil {
		return fmt.Errorf("cancel messages of incident %d: %w", inc.ID, err)
	}
	rows, err := tx.Query(ctx, `SELECT channel_id FROM escalation_outbox
		WHERE office_code = $1 AND incident_id = $2 AND kind = 'open' AND status IN ('sending', 'sent')`, inc.Anchor, inc.ID)
	if err != nil {
		return fmt.Errorf("find posted messages of incident %d: %w", inc.ID, err)
	}
	posted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("find posted messages of incident %d: %w", inc.ID, err)
	}
	for _, th := range ths {
		if slices.Contains(posted, th.Channel) {
			if err := enqueueUpdate(ctx, tx, inc, th, topMessage(pol.Language, inc, officesFor(inc, th)), now); err != nil {
				return err
			}
		}
	}
	return nil
}

// recover queues, for every channel told of inc, a reply in its thread and
// the update of its top message with duration and estimate.
func (e *Escalator) recover(ctx context.Context, tx pgx.Tx, pol Policy, inc incident, ths []thread, now time.Time) error {
	if err := cancelReminders(ctx, tx, inc); err != nil {
		return err
	}
	id := inc.ID
	for _, th := range ths {
		offices := officesFor(inc, th)
		// Versioned: after a reopening, the second recovery is news too.
		if _, err := enqueue(ctx, tx, outboxRow{Office: inc.Anchor,
			Key:        fmt.Sprintf("%s:v%d", incidentKey(inc.ID, th.Channel, "recovered"), inc.Version),
			IncidentID: &id, Channel: th.Channel, Kind: "recovered", Parent: incidentKey(inc.ID, th.Channel, "open"),
			Msg: recoveredMessage(pol.Language, inc), At: now}); err != nil {
			return err
		}
		if err := enqueueUpdate(ctx, tx, inc, th, topMessage(pol.Language, inc, offices), now); err != nil {
			return err
		}
	}
	return nil
}

// Start runs Tick every TickInterval until ctx ends; errors are logged.
func (e *Escalator) Start(ctx context.Context) {
	t := time.NewTicker(e.tickInterval)
	defer t.Stop()
	for {
		if err := e.Tick(ctx); err != nil && ctx.Err() == nil {
			e.logger.ErrorContext(ctx, "escalation tick failed", slog.Any("error", err))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func withTx(ctx context.Context, pool *pgxpool.Pool, f func(pgx.Tx) error) error {
	if err := pgx.BeginFunc(ctx, pool, f); err != nil {
		return fmt.Errorf("escalation transaction: %w", err)
	}
	return nil
}

// sameState reports whether ev says nothing new about inc.
func sameState(inc incident, ev IncidentEvent, offices []OfficeRef) bool {
	if inc.Scope != ev.Scope || inc.Cause != ev.Cause || !inc.StartedAt.Equal(ev.StartedAt) ||
		len(inc.Offices) != len(offices) {
		return false
	}
	for i := range offices {
		if inc.Offices[i] != offices[i] {
			return false
		}
	}
	return true
}
