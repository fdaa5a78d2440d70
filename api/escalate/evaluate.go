package escalate

import (
	"context"
	"fmt"
	"time"
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

// targets applies the policy at now: the office channel from the start, the
// province channel after ProvinceAfter working hours or at province scope,
// the national channel after NationalAfter or at national scope.
//
// No storms: an incident of province or national scope posts nothing to its
// offices' own channels (its one message at the wider level lists them), and
// an office-scope incident leaves out the offices that such a wider open
// incident already covers, as Alertmanager's inhibition does.
func targets(ctx context.Context, q DB, pol Policy, inc incident, now time.Time) ([]target, error) {
	offices := inc.Offices
	if inc.Scope == ScopeOffice {
		codes := make([]string, len(offices))
		for i, o := range offices {
			codes[i] = o.Code
		}
		covered, err := coveredOffices(ctx, q, inc, codes)
		if err != nil {
			return nil, err
		}
		var kept []OfficeRef
		for _, o := range offices {
			if !covered[o.Code] {
				kept = append(kept, o)
			}
		}
		offices = kept
	}
	var out []target
	add := func(level, ref, channel string, os []OfficeRef) {
		if channel != "" && len(os) > 0 {
			out = append(out, target{thread{Channel: channel, Level: level, Ref: ref, OpenedAt: now}, os})
		}
	}
	if inc.Scope == ScopeOffice {
		for _, o := range offices {
			add("office", o.Code, pol.Channels.Offices[o.Code], []OfficeRef{o})
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
	for _, p := range provinces {
		os := byProvince[p]
		if inc.Scope.rank() >= ScopeProvince.rank() ||
			WorkingBetween(inc.StartedAt, now, loadZone(os[0].TZ)) >= pol.ProvinceAfter {
			add("province", p, pol.Channels.Provinces[p], os)
		}
	}
	if inc.Scope == ScopeNational || now.Sub(inc.StartedAt) >= pol.NationalAfter {
		add("national", "", pol.Channels.National, offices)
	}
	return out, nil
}

// evaluate opens the threads inc needs now and queues the reminders due in
// its threads. Every row it writes is keyed, so running it again is free.
func (e *Escalator) evaluate(ctx context.Context, q DB, pol Policy, inc incident, now time.Time) error {
	if inc.EndedAt != nil {
		return nil
	}
	ts, err := targets(ctx, q, pol, inc, now)
	if err != nil {
		return err
	}
	id := inc.ID
	for _, t := range ts {
		added, err := addThread(ctx, q, inc, t.thread)
		if err != nil {
			return err
		}
		if !added {
			continue
		}
		if _, err := enqueue(ctx, q, outboxRow{Office: inc.Anchor, Key: incidentKey(inc.ID, t.Channel, "open"),
			IncidentID: &id, Channel: t.Channel, Kind: "open",
			Msg: topMessage(pol.Language, inc, t.offices), At: now}); err != nil {
			return err
		}
	}
	if inc.AckedAt != nil {
		return nil
	}
	ths, err := loadThreads(ctx, q, inc)
	if err != nil {
		return err
	}
	for _, th := range ths {
		// Only the latest reminder due: after a long stop the thread gets one
		// reminder, not every one it missed.
		n := int(now.Sub(th.OpenedAt) / pol.ReminderEvery)
		if n < 1 {
			continue
		}
		if _, err := enqueue(ctx, q, outboxRow{Office: inc.Anchor,
			Key:        fmt.Sprintf("%s:%d", incidentKey(inc.ID, th.Channel, "reminder"), n),
			IncidentID: &id, Channel: th.Channel, Kind: "reminder", Parent: incidentKey(inc.ID, th.Channel, "open"),
			Msg: reminderMessage(pol.Language, inc, now), At: now}); err != nil {
			return err
		}
	}
	return nil
}
