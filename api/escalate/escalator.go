package escalate

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
)

// incident is escalation's view of one incident.
type incident = api.EscalationIncident

// thread is one channel's top message for an incident.
type thread = api.EscalationThread

// Escalator turns incident events and the passing of time into outbox rows.
// It never talks to Slack; Sender does.
type Escalator struct {
	store      Store
	clock      clock.Clock
	logger     *slog.Logger
	estimator  Estimator
	promiser   Promiser
	webURL     string
	lastDigest time.Time
	svc        *background.Service
}

// Estimator gives the backlog and overtime estimate of a recovered
// incident (the report package's model, wired by the server). It runs
// after the detector's transaction has committed (AfterIncidents), in a
// transaction of its own that holds no lock; an error leaves the notice
// without estimate.
type Estimator func(ctx context.Context, tx api.EscalationTx, ev IncidentEvent) (*Estimate, error)

// Promiser gives the promise deadline of office's open central outage
// (the report model's, wired by the server), read inside tx; nil when the
// model has nothing to say (no intake, nothing waiting).
type Promiser func(ctx context.Context, tx api.EscalationTx, office OfficeRef) (*api.PromiseSummary, error)

// Options configure an Escalator; zero values take the defaults.
type Options struct {
	Clock        clock.Clock   // default clock.Real
	Logger       *slog.Logger  // default slog.Default()
	TickInterval time.Duration // how often Start runs Tick (a gather window's end waits for it); default 2s
	Estimator    Estimator     // optional: estimate for recoveries that come without one
	Promiser     Promiser      // optional: the promise deadline in alerts and reminders
	// WebURL is where people open Pantau (https://pantau.example.go.id):
	// each top message links to its incident's page under it. Empty: no
	// link. CheckWebURL validates it.
	WebURL string
}

// CheckWebURL validates a WebURL: absolute http or https, no query or
// fragment, nothing Slack's link syntax would cut (| or >). It returns it
// without a trailing slash.
func CheckWebURL(raw string) (string, error) {
	if raw == "" {
		return "", nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" ||
		strings.ContainsAny(raw, "|<> ") {
		return "", fmt.Errorf("public URL %q: want an absolute http(s) address such as https://pantau.example.go.id", raw)
	}
	return strings.TrimRight(raw, "/"), nil
}

// New returns an Escalator over store (Tick and Acknowledge run their own
// transactions; Observe uses the caller's).
func New(store Store, opts Options) *Escalator {
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.TickInterval <= 0 {
		opts.TickInterval = 2 * time.Second
	}
	e := &Escalator{store: store, clock: opts.Clock, logger: opts.Logger, estimator: opts.Estimator, promiser: opts.Promiser,
		webURL: strings.TrimRight(opts.WebURL, "/")}
	e.svc = background.New(background.Config{Name: "escalate", Interval: opts.TickInterval, Timeout: tickTimeout,
		Clock: opts.Clock, Logger: opts.Logger}, func(ctx context.Context) (bool, error) { return false, e.Tick(ctx) })
	return e
}

// tickTimeout bounds one Tick: every open incident is its own short
// transaction, so even a national cut's pass is far below it.
const tickTimeout = 30 * time.Second

// Observe records ev and queues the messages it causes, inside tx: the
// detector calls it in the same transaction as the incident's change, so the
// messages exist exactly when the change does. Replayed events queue nothing
// new. Escalation decides from its own copy what happened (opened, over,
// reopened), so the detector's kind only matters for a retraction.
func (e *Escalator) Observe(ctx context.Context, tx api.EscalationTx, ev IncidentEvent) error {
	if err := ev.Validate(); err != nil {
		return err
	}
	offices := append([]OfficeRef(nil), ev.Offices...)
	if err := tx.FillOffices(ctx, offices); err != nil {
		return err
	}
	pol, err := e.loadPolicy(ctx, tx)
	if err != nil {
		return err
	}
	now := e.clock.Now()
	inc, found, err := tx.LockIncident(ctx, ev.IncidentID)
	if err != nil {
		return err
	}
	retract := ev.Kind == api.IncidentRetracted
	switch {
	case !found && retract, found && inc.Retracted:
		return nil // nobody was told, or it is over for good
	case !found:
		// First seen already over: results delivered late (spools, a server
		// that was down). Reported once as late, never escalated.
		inc = incident{Anchor: offices[0].Code, ID: ev.IncidentID, Version: 1, FirstSeen: now, Late: ev.ended()}
	}
	joinedAt(offices, inc.Offices, now)
	wasOver := found && inc.EndedAt != nil
	if found && !retract && sameState(inc, ev, offices) {
		if wasOver {
			return nil
		}
		return e.evaluate(ctx, tx, pol, &inc, now, false) // a replay: only what time may have brought
	}
	before, err := tx.Threads(ctx, inc.Anchor, inc.ID)
	if err != nil {
		return err
	}
	inc.Scope, inc.Cause, inc.Offices, inc.StartedAt = ev.Scope, ev.Cause, offices, ev.StartedAt
	inc.Flapping = inc.Flapping || ev.Flapping
	if found {
		inc.Version++
	}
	switch {
	case retract:
		inc.Retracted = true
		if inc.EndedAt == nil {
			inc.EndedAt = &now // so ticks, folding and digests pass it by
		}
		if err := tx.SaveIncident(ctx, inc); err != nil {
			return err
		}
		if ev.MergedInto != 0 {
			return e.merge(ctx, tx, pol, inc, before, ev.MergedInto, now)
		}
		return e.retract(ctx, tx, pol, inc, before, now)
	case ev.ended():
		end := ev.EndedAt
		inc.EndedAt = &end
		if err := e.setMaintenance(ctx, tx, &inc, now); err != nil {
			return err
		}
		// Without an estimate in the event, the model's comes after this
		// transaction (AfterIncidents): the detector holds its incident
		// lock here, and the model may take long.
		inc.Estimate = ev.BacklogEstimate
		if err := tx.SaveIncident(ctx, inc); err != nil {
			return err
		}
		switch {
		case !found:
			return e.late(ctx, tx, pol, inc, now)
		case wasOver:
			// Later data moved the end of an incident already over: its top
			// messages show the new span; nothing is escalated.
			return e.refreshTops(ctx, tx, pol, inc, before, now, "")
		}
		return e.recover(ctx, tx, pol, inc, before, now)
	}
	// Open.
	inc.EndedAt, inc.Estimate = nil, nil
	if wasOver {
		inc.Late = false // reopened: a live outage now, escalated as any other
	}
	if err := e.setMaintenance(ctx, tx, &inc, now); err != nil {
		return err
	}
	if err := tx.SaveIncident(ctx, inc); err != nil {
		return err
	}
	if err := e.evaluate(ctx, tx, pol, &inc, now, false); err != nil {
		return err
	}
	if err := e.refreshTops(ctx, tx, pol, inc, before, now, ""); err != nil {
		return err
	}
	if wasOver {
		for _, th := range before {
			if err := enqueueReply(ctx, tx, inc, th, "reopened", reopenedMessage(pol.Language, inc), now); err != nil {
				return err
			}
		}
	}
	return nil
}

// joinedAt sets when each office joined the incident as escalation saw it:
// kept from the stored copy, now for an office new to it.
func joinedAt(offices, stored []OfficeRef, now time.Time) {
	was := make(map[string]time.Time, len(stored))
	for _, o := range stored {
		was[o.Code] = o.Joined
	}
	for i := range offices {
		if t, ok := was[offices[i].Code]; ok {
			offices[i].Joined = t
		} else {
			offices[i].Joined = now
		}
	}
}

// setMaintenance sets whether inc lies inside declared maintenance windows
// (every office, from its start to its end or now).
func (e *Escalator) setMaintenance(ctx context.Context, tx api.EscalationTx, inc *incident, now time.Time) error {
	codes := make([]string, len(inc.Offices))
	for i, o := range inc.Offices {
		codes[i] = o.Code
	}
	to := now
	if inc.EndedAt != nil {
		to = *inc.EndedAt
	}
	in, err := tx.InMaintenance(ctx, codes, inc.StartedAt, to)
	if err != nil {
		return err
	}
	inc.Maintenance = in
	return nil
}

// late queues the one notice of an incident first seen already over: a
// top message in each office's channel with its span, a thread later data
// may continue; no reminders, no province or national step.
func (e *Escalator) late(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, now time.Time) error {
	if !pol.LateNotice || (inc.Maintenance && !pol.MaintenanceNote) {
		return nil
	}
	for _, o := range inc.Offices {
		ch := pol.Channels.Offices[o.Code]
		if ch == "" {
			continue
		}
		th := thread{Channel: ch, Level: "office", Ref: o.Code, OpenedAt: now}
		if err := openThread(ctx, tx, inc, th, topMessage(pol, inc, []OfficeRef{o}), now); err != nil {
			return err
		}
	}
	return nil
}

// retract marks the top messages that are out as withdrawn and withdraws
// what is not out yet: late data showed the incident never was.
func (e *Escalator) retract(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, ths []thread, now time.Time) error {
	for _, th := range ths {
		status, maybe, _, err := tx.OutboxRow(ctx, inc.Anchor, topKey(inc.ID, th))
		if err != nil {
			return err
		}
		if status == "pending" && !maybe {
			continue // never out: cancelled below with the rest
		}
		if err := enqueueUpdate(ctx, tx, pol, inc, th, now, updateNow, ""); err != nil {
			return err
		}
	}
	return tx.CancelPending(ctx, inc.Anchor, inc.ID, "", "open", "reminder", "ack", "recovered", "reopened",
		"late", "pointer", "maintenance")
}

// recover queues, for every channel told of inc, a reply in its thread and
// then the rewrite of its top message with duration and estimate. A
// province or national step whose message never went out is withdrawn:
// telling a wider level of an outage already over is noise.
func (e *Escalator) recover(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, ths []thread, now time.Time) error {
	if err := tx.CancelPending(ctx, inc.Anchor, inc.ID, "", "reminder"); err != nil {
		return err
	}
	var told []thread
	for _, th := range ths {
		if th.Step {
			status, maybe, _, err := tx.OutboxRow(ctx, inc.Anchor, topKey(inc.ID, th))
			if err != nil {
				return err
			}
			if status == "pending" && !maybe {
				if err := tx.CancelPending(ctx, inc.Anchor, inc.ID, th.Channel); err != nil {
					return err
				}
				if err := tx.DropThread(ctx, inc.Anchor, inc.ID, th.Channel); err != nil {
					return err
				}
				continue
			}
		}
		told = append(told, th)
	}
	if len(told) == 0 && !inc.Maintenance {
		// Over before its gather window ended: its offices still hear of it
		// once, with the recovery in the thread.
		if err := e.openOffices(ctx, tx, pol, inc, now); err != nil {
			return err
		}
		var err error
		if told, err = tx.Threads(ctx, inc.Anchor, inc.ID); err != nil {
			return err
		}
	}
	for _, th := range told {
		id := inc.ID
		if err := enqueue(ctx, tx, api.OutboxEntry{Office: inc.Anchor, Key: replyKey(inc, th.Channel, "recovered"), IncidentID: &id,
			Channel: th.Channel, Kind: "recovered", Parent: topKey(inc.ID, th), At: now, Due: e.recoveryDue(inc, now)},
			recoveredMessage(pol.Language, inc)); err != nil {
			return err
		}
		if err := enqueueUpdate(ctx, tx, pol, inc, th, now, updateNow, replyKey(inc, th.Channel, "recovered")); err != nil {
			return err
		}
	}
	return nil
}

// refreshTops queues the rewrite of each top message already out (or
// rewrites it in place while it is not): its scope, offices or state
// changed. after, when set, is a row the rewrite must wait for.
func (e *Escalator) refreshTops(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, ths []thread, now time.Time, after string) error {
	for _, th := range ths {
		if err := enqueueUpdate(ctx, tx, pol, inc, th, now, updatePaced, after); err != nil {
			return err
		}
	}
	return nil
}

// Start runs Tick now and every TickInterval until ctx ends, as a
// background service (each pass bounded, failures logged).
func (e *Escalator) Start(ctx context.Context) { e.svc.Start(ctx) }

// sameState reports whether ev says nothing new about inc.
func sameState(inc incident, ev IncidentEvent, offices []OfficeRef) bool {
	endSame := (inc.EndedAt == nil) == !ev.ended() && (inc.EndedAt == nil || inc.EndedAt.Equal(ev.EndedAt))
	if !endSame || inc.Scope != ev.Scope || inc.Cause != ev.Cause || !inc.StartedAt.Equal(ev.StartedAt) ||
		len(inc.Offices) != len(offices) || (ev.Flapping && !inc.Flapping) {
		return false
	}
	for i := range offices {
		if inc.Offices[i] != offices[i] {
			return false
		}
	}
	return true
}
