package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pantau-id/pantau/api"
)

// estimateHold is how long a recovery reply waits for its backlog estimate
// at most. The estimate is computed after the detector's transaction
// commits (AfterIncidents), usually within a second; a process that dies
// in between lets the reply go without it once the hold is over: the
// recovery notice matters more than its estimate.
const estimateHold = time.Minute

// recoveryDue is when inc's recovery reply may go: at once when it has its
// estimate or will get none, else once AfterIncidents completed it (or the
// hold ran out).
func (e *Escalator) recoveryDue(inc incident, now time.Time) time.Time {
	if inc.Estimate != nil || e.estimator == nil || inc.Maintenance {
		return now
	}
	return now.Add(estimateHold)
}

// AfterIncidents completes, after the detector's incident transaction has
// committed, what must not run while it holds its lock: the backlog
// estimate of every incident that ended, computed from the committed state
// in a transaction of its own, then stored with the incident, written into
// the recovery replies still held (which then go at once) and into the top
// messages. The server passes it as detect.Config.AfterIncidents. Errors
// are logged: the replies still go when their hold is over.
func (e *Escalator) AfterIncidents(ctx context.Context, changes []api.IncidentChange) {
	if e.estimator == nil {
		return
	}
	for _, ch := range changes {
		if ch.Kind == api.IncidentRetracted || ch.Incident.EndedAt == nil {
			continue
		}
		if err := e.completeEstimate(ctx, EventFromChange(ch)); err != nil {
			e.logger.WarnContext(ctx, "backlog estimate after recovery", slog.Int64("incident_id", ch.Incident.ID), slog.Any("err", err))
		}
	}
}

// wantsEstimate reports whether inc, as escalation stores it, is the
// ended incident of ev still waiting for its estimate.
func wantsEstimate(inc incident, found bool, ev IncidentEvent) bool {
	return found && !inc.Retracted && !inc.Maintenance && inc.Estimate == nil &&
		inc.EndedAt != nil && inc.EndedAt.Equal(ev.EndedAt)
}

// completeEstimate runs the model for ev outside any lock, then stores its
// answer if the incident has not changed meanwhile.
func (e *Escalator) completeEstimate(ctx context.Context, ev IncidentEvent) error {
	var est *Estimate
	// A short look first: the model is not run for an incident that has
	// its estimate already (a repeated call) or changed since.
	want := false
	err := e.store.InTx(ctx, func(tx api.EscalationTx) error {
		inc, found, err := tx.LockIncident(ctx, ev.IncidentID)
		want = wantsEstimate(inc, found, ev)
		return err
	})
	if err != nil || !want {
		return err
	}
	err = e.store.InTx(ctx, func(tx api.EscalationTx) error {
		offices := append([]OfficeRef(nil), ev.Offices...)
		if err := tx.FillOffices(ctx, offices); err != nil {
			return err
		}
		ev.Offices = offices
		var err error
		est, err = e.estimator(ctx, tx, ev)
		return err
	})
	if err != nil || est == nil {
		return err
	}
	return e.store.InTx(ctx, func(tx api.EscalationTx) error {
		inc, found, err := tx.LockIncident(ctx, ev.IncidentID)
		if err != nil || !wantsEstimate(inc, found, ev) {
			return err
		}
		pol, err := e.loadPolicy(ctx, tx)
		if err != nil {
			return err
		}
		ths, err := tx.Threads(ctx, inc.Anchor, inc.ID)
		if err != nil {
			return err
		}
		now := e.clock.Now()
		// The replies were keyed with the version that recovered.
		keys := make([]string, len(ths))
		for i, th := range ths {
			keys[i] = replyKey(inc, th.Channel, "recovered")
		}
		inc.Estimate = est
		inc.Version++
		if err := tx.SaveIncident(ctx, inc); err != nil {
			return err
		}
		for i, th := range ths {
			raw, err := json.Marshal(recoveredMessage(pol.Language, inc))
			if err != nil {
				return fmt.Errorf("encode recovery of %d: %w", inc.ID, err)
			}
			released, err := tx.Release(ctx, inc.Anchor, keys[i], raw, now)
			if err != nil {
				return err
			}
			after := ""
			if released {
				after = keys[i] // the top says "Pulih" once the reply exists
			}
			if err := enqueueUpdate(ctx, tx, pol, inc, th, now, updateNow, after); err != nil {
				return err
			}
		}
		return nil
	})
}
