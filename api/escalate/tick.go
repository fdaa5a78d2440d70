package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
)

// Tick applies the passing of time: office channels whose gather window
// has ended, province and national channels for incidents that have lasted
// long enough, maintenance windows that began or ended, reminders, and (at
// most once a minute) each province's daily digest. Each incident is its
// own short transaction, its row locked, so replicas ticking together
// queue nothing twice.
func (e *Escalator) Tick(ctx context.Context) error {
	now := e.clock.Now()
	ids, err := e.store.OpenIncidentIDs(ctx)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := e.store.InTx(ctx, func(tx api.EscalationTx) error {
			inc, found, err := tx.LockIncident(ctx, id)
			if err != nil || !found || inc.EndedAt != nil {
				return err
			}
			pol, err := e.loadPolicy(ctx, tx)
			if err != nil {
				return err
			}
			was := inc.Maintenance
			if err := e.setMaintenance(ctx, tx, &inc, now); err != nil {
				return err
			}
			if inc.Maintenance != was {
				// A window began or ended under an open outage: its messages
				// say so from now on.
				inc.Version++
				if err := tx.SaveIncident(ctx, inc); err != nil {
					return err
				}
				ths, err := tx.Threads(ctx, inc.Anchor, inc.ID)
				if err != nil {
					return err
				}
				if err := e.refreshTops(ctx, tx, pol, inc, ths, now, ""); err != nil {
					return err
				}
			}
			if err := e.evaluate(ctx, tx, pol, &inc, now, true); err != nil {
				return err
			}
			if inc.Promise != nil || e.promiser == nil || inc.Late || inc.Maintenance {
				return nil
			}
			// Opened by the detector's change (its transaction holds the
			// incident lock, so the model does not run there): the promise
			// deadline comes with the first tick, and the tops show it.
			ths, err := tx.Threads(ctx, inc.Anchor, inc.ID)
			if err != nil || len(ths) == 0 {
				return err
			}
			if err := e.refreshPromise(ctx, tx, &inc); err != nil || inc.Promise == nil {
				return err
			}
			inc.Version++
			if err := tx.SaveIncident(ctx, inc); err != nil {
				return err
			}
			return e.refreshTops(ctx, tx, pol, inc, ths, now, "")
		}); err != nil {
			return err
		}
	}
	if now.Sub(e.lastDigest) < time.Minute && !now.Before(e.lastDigest) {
		return nil
	}
	e.lastDigest = now
	pol, err := e.store.Policy(ctx)
	if err != nil {
		return err
	}
	return e.digests(ctx, Policy(pol), now)
}

// digests queues each province's daily digest once its local DigestAt has
// passed; the key digest:<province>:<date> makes it once a day.
func (e *Escalator) digests(ctx context.Context, pol Policy, now time.Time) error {
	for _, p := range sortedKeys(pol.Channels.Provinces) {
		name, tz, err := e.store.Province(ctx, p)
		if api.ErrorCode(err) == api.ENotFound {
			continue // a channel for a province not in the table: nothing to digest
		}
		if err != nil {
			return err
		}
		loc := loadZone(tz)
		local := now.In(loc)
		at, _ := time.ParseInLocation("15:04", pol.DigestAt, loc)
		due := time.Date(local.Year(), local.Month(), local.Day(), at.Hour(), at.Minute(), 0, 0, loc)
		if now.Before(due) {
			continue
		}
		key := "digest:" + p + ":" + local.Format("2006-01-02")
		done, err := e.store.OutboxKeyExists(ctx, p, key)
		if err != nil {
			return err
		}
		if done {
			continue // the common case: today's is queued already, no need to render it
		}
		msg, err := e.digestMessage(ctx, pol.Language, p, name, loc, now)
		if err != nil {
			return err
		}
		raw, err := json.Marshal(msg)
		if err != nil {
			return fmt.Errorf("encode digest of %s: %w", p, err)
		}
		if _, err := e.store.Enqueue(ctx, api.OutboxEntry{Office: p, Key: key,
			Channel: pol.Channels.Provinces[p], Kind: "digest", Message: raw, At: now}); err != nil {
			return err
		}
	}
	return nil
}

func (e *Escalator) digestMessage(ctx context.Context, lang, province, name string, loc *time.Location, now time.Time) (message, error) {
	l := lex(lang)
	incs, err := e.store.DigestIncidents(ctx, province, now.Add(-24*time.Hour), now)
	if err != nil {
		return message{}, err
	}
	var open, done []string
	for _, inc := range incs {
		var mine []OfficeRef
		for _, o := range inc.Offices {
			if o.ProvinceCode == province {
				mine = append(mine, o)
			}
		}
		if inc.EndedAt == nil {
			open = append(open, fmt.Sprintf("• %s — %s, %s (%s)", officeList(mine), l.causes[inc.Cause],
				l.span(now.Sub(inc.StartedAt)), l.scopes[inc.Scope]))
		} else {
			done = append(done, fmt.Sprintf("• %s — %s", officeList(mine), l.span(inc.EndedAt.Sub(inc.StartedAt))))
		}
	}
	lines := []string{fmt.Sprintf("📋 *%s — %s, %s*", l.digest, name, l.date(now, loc))}
	if len(open)+len(done) == 0 {
		lines = append(lines, l.noIncidents)
	}
	if len(open) > 0 {
		lines = append(lines, fmt.Sprintf("*%s (%d):*", l.openNow, len(open)), strings.Join(open, "\n"))
	}
	if len(done) > 0 {
		lines = append(lines, fmt.Sprintf("*%s (%d):*", l.recoveredToday, len(done)), strings.Join(done, "\n"))
	}
	return textMessage(strings.Join(lines, "\n")), nil
}
