package escalate

import (
	"context"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// target is a channel an incident must be in now, and the offices it lists.
type target struct {
	thread
	offices []OfficeRef
}

// officesFor returns the offices a thread's message lists: its office, its
// province's offices, or all.
func officesFor(inc incident, th thread) []OfficeRef {
	var out []OfficeRef
	for _, o := range inc.Offices {
		switch {
		case th.Level == "national",
			th.Level == "province" && o.ProvinceCode == th.Ref,
			th.Level == "office" && o.Code == th.Ref:
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return inc.Offices // the office left the incident; keep the message meaningful
	}
	return out
}

// uncovered returns inc's offices that no other open incident of province
// or national scope covers (their alerts fold into that one, as
// Alertmanager's inhibition does); all of them for a wide incident.
func uncovered(ctx context.Context, tx api.EscalationTx, inc incident) ([]OfficeRef, error) {
	if inc.Scope != api.ScopeOffice {
		return inc.Offices, nil
	}
	codes := make([]string, len(inc.Offices))
	for i, o := range inc.Offices {
		codes[i] = o.Code
	}
	covered, err := tx.CoveredOffices(ctx, inc.ID, codes)
	if err != nil {
		return nil, err
	}
	var kept []OfficeRef
	for _, o := range inc.Offices {
		if !covered[o.Code] {
			kept = append(kept, o)
		}
	}
	return kept, nil
}

// targets applies the policy at now: each office's channel once the gather
// window has passed since the office joined the incident (at office scope
// only: a province or national incident is one message at its level,
// listing its offices; an office joining an office incident that is about
// to become province-wide so never gets a message of its own), the province channel
// after ProvinceAfter working hours or at province scope, the national
// channel after NationalAfter or at national scope.
func targets(pol Policy, inc incident, offices []OfficeRef, now time.Time) []target {
	var out []target
	add := func(level, ref, channel string, step bool, os []OfficeRef) {
		if channel != "" && len(os) > 0 {
			out = append(out, target{thread{Channel: channel, Level: level, Ref: ref, OpenedAt: now, Step: step}, os})
		}
	}
	if inc.Scope == api.ScopeOffice {
		for _, o := range offices {
			joined := o.Joined
			if joined.Before(inc.FirstSeen) {
				joined = inc.FirstSeen // stored before offices kept their joining time
			}
			if detect.Gather(joined, pol.GatherWindow, now, nil).Ready {
				add("office", o.Code, pol.Channels.Offices[o.Code], false, []OfficeRef{o})
			}
		}
	}
	var provinces []string
	byProvince := map[string][]OfficeRef{}
	for _, o := range offices {
		if byProvince[o.ProvinceCode] == nil {
			provinces = append(provinces, o.ProvinceCode)
		}
		byProvince[o.ProvinceCode] = append(byProvince[o.ProvinceCode], o)
	}
	wide := scopeRank(inc.Scope) >= scopeRank(api.ScopeProvince)
	for _, p := range provinces {
		os := byProvince[p]
		if wide || WorkingBetween(inc.StartedAt, now, loadZone(os[0].TZ)) >= pol.ProvinceAfter {
			add("province", p, pol.Channels.Provinces[p], !wide, os)
		}
	}
	if inc.Scope == api.ScopeNational || now.Sub(inc.StartedAt) >= pol.NationalAfter {
		add("national", "", pol.Channels.National, inc.Scope != api.ScopeNational, offices)
	}
	return out
}

// openThread records th and queues its top message; nothing when the
// channel has one for inc already.
func openThread(ctx context.Context, tx api.EscalationTx, inc incident, th thread, msg message, now time.Time) error {
	added, err := tx.AddThread(ctx, inc.Anchor, inc.ID, th)
	if err != nil || !added {
		return err
	}
	kind := "open"
	switch {
	case inc.Maintenance:
		kind = "maintenance"
	case inc.Late:
		kind = "late"
	}
	id := inc.ID
	return enqueue(ctx, tx, api.OutboxEntry{Office: inc.Anchor, Key: openKey(inc.ID, th.Channel), IncidentID: &id,
		Channel: th.Channel, Kind: kind, At: now}, msg)
}

// openOffices opens the office channels of inc's uncovered offices, gather
// window or not.
func (e *Escalator) openOffices(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, now time.Time) error {
	offices, err := uncovered(ctx, tx, inc)
	if err != nil {
		return err
	}
	for _, o := range offices {
		if ch := pol.Channels.Offices[o.Code]; ch != "" {
			th := thread{Channel: ch, Level: "office", Ref: o.Code, OpenedAt: now}
			if err := openThread(ctx, tx, inc, th, topMessage(pol, inc, []OfficeRef{o}), now); err != nil {
				return err
			}
		}
	}
	return nil
}

// evaluate opens the threads inc needs now, folds office threads into a
// wider incident's message, and queues the reminders due. Every row it
// writes is keyed, so running it again is free. withPromise runs the
// promise model first when a message that shows it is written (never in
// the detector's transaction: it holds the incident lock).
func (e *Escalator) evaluate(ctx context.Context, tx api.EscalationTx, pol Policy, inc *incident, now time.Time, withPromise bool) error {
	if inc.EndedAt != nil {
		return nil
	}
	if inc.Maintenance {
		// Planned: not an outage alert. One note in the office channels.
		if !pol.MaintenanceNote {
			return nil
		}
		return e.openOffices(ctx, tx, pol, *inc, now)
	}
	offices, err := uncovered(ctx, tx, *inc)
	if err != nil {
		return err
	}
	before, err := tx.Threads(ctx, inc.Anchor, inc.ID)
	if err != nil {
		return err
	}
	had := map[string]bool{}
	for _, th := range before {
		had[th.Channel] = true
	}
	// The promise deadline is recomputed only when a message that shows it
	// is about to be written: a new top message or a reminder.
	promised := false
	promise := func() error {
		if promised || e.promiser == nil || !withPromise {
			return nil
		}
		promised = true
		return e.refreshPromise(ctx, tx, inc)
	}
	for _, t := range targets(pol, *inc, offices, now) {
		if !had[t.Channel] {
			if err := promise(); err != nil {
				return err
			}
		}
		if err := openThread(ctx, tx, *inc, t.thread, topMessage(pol, *inc, t.offices), now); err != nil {
			return err
		}
	}
	ths, err := tx.Threads(ctx, inc.Anchor, inc.ID)
	if err != nil {
		return err
	}
	if scopeRank(inc.Scope) >= scopeRank(api.ScopeProvince) {
		if ths, err = e.fold(ctx, tx, pol, *inc, ths, now); err != nil {
			return err
		}
	}
	if inc.AckedAt != nil || inc.Late {
		return nil
	}
	id := inc.ID
	for _, th := range ths {
		// Only the latest reminder due: after a long stop the thread gets one
		// reminder, not every one it missed.
		n := int(now.Sub(th.OpenedAt) / pol.ReminderEvery)
		if n < 1 {
			continue
		}
		key := fmt.Sprintf("%s:%d", incidentKey(inc.ID, th.Channel, "reminder"), n)
		if _, _, exists, err := tx.OutboxRow(ctx, inc.Anchor, key); err != nil || exists {
			if err != nil {
				return err
			}
			continue
		}
		if err := promise(); err != nil {
			return err
		}
		if err := enqueue(ctx, tx, api.OutboxEntry{Office: inc.Anchor,
			Key:        key,
			IncidentID: &id, Channel: th.Channel, Kind: "reminder", Parent: topKey(inc.ID, th), At: now},
			reminderMessage(pol.Language, *inc, now)); err != nil {
			return err
		}
	}
	return nil
}

// fold handles the office threads of an incident that has become province
// or national: a top message not yet handed to Slack is withdrawn (the
// wider message lists the office), one already out gets a reply pointing
// to the wider channel. It returns the threads left.
func (e *Escalator) fold(ctx context.Context, tx api.EscalationTx, pol Policy, inc incident, ths []thread, now time.Time) ([]thread, error) {
	var kept []thread
	for _, th := range ths {
		if th.Level != "office" {
			kept = append(kept, th)
			continue
		}
		status, maybe, _, err := tx.OutboxRow(ctx, inc.Anchor, topKey(inc.ID, th))
		if err != nil {
			return nil, err
		}
		if status == "pending" && !maybe {
			if err := tx.CancelPending(ctx, inc.Anchor, inc.ID, th.Channel); err != nil {
				return nil, err
			}
			if err := tx.DropThread(ctx, inc.Anchor, inc.ID, th.Channel); err != nil {
				return nil, err
			}
			continue
		}
		kept = append(kept, th)
		wide := pol.Channels.National
		if inc.Scope == api.ScopeProvince || wide == "" {
			for _, o := range inc.Offices {
				if o.Code == th.Ref {
					wide = pol.Channels.Provinces[o.ProvinceCode]
				}
			}
		}
		id := inc.ID
		if err := enqueue(ctx, tx, api.OutboxEntry{Office: inc.Anchor,
			Key:        incidentKey(inc.ID, th.Channel, "pointer:"+inc.Scope),
			IncidentID: &id, Channel: th.Channel, Kind: "pointer", Parent: topKey(inc.ID, th), At: now},
			pointerMessage(pol.Language, inc, wide)); err != nil {
			return nil, err
		}
	}
	return kept, nil
}
