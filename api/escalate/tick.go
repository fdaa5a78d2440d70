package escalate

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Tick applies the passing of time: province and national channels for
// incidents that have lasted long enough, reminders, and each province's
// daily digest. Each incident is its own short transaction.
func (e *Escalator) Tick(ctx context.Context) error {
	now := e.clock.Now()
	pol, err := LoadPolicy(ctx, e.pool)
	if err != nil {
		return err
	}
	rows, err := e.pool.Query(ctx, `SELECT incident_id FROM escalation_incidents WHERE ended_at IS NULL ORDER BY started_at`)
	if err != nil {
		return fmt.Errorf("list open incidents: %w", err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("list open incidents: %w", err)
	}
	for _, id := range ids {
		if err := withTx(ctx, e.pool, func(tx pgx.Tx) error {
			inc, found, err := lockIncident(ctx, tx, id)
			if err != nil || !found {
				return err
			}
			return e.evaluate(ctx, tx, pol, inc, now)
		}); err != nil {
			return err
		}
	}
	return e.digests(ctx, pol, now)
}

// digests queues each province's daily digest once its local DigestAt has
// passed; the key digest:<province>:<date> makes it once a day.
func (e *Escalator) digests(ctx context.Context, pol Policy, now time.Time) error {
	for _, p := range sortedKeys(pol.Channels.Provinces) {
		var name, tz string
		err := e.pool.QueryRow(ctx, `SELECT name, tz FROM provinces WHERE code = $1`, p).Scan(&name, &tz)
		if err == pgx.ErrNoRows {
			continue // a channel for a province not in the table: nothing to digest
		}
		if err != nil {
			return fmt.Errorf("read province %s: %w", p, err)
		}
		loc := loadZone(tz)
		local := now.In(loc)
		at, _ := time.ParseInLocation("15:04", pol.DigestAt, loc)
		due := time.Date(local.Year(), local.Month(), local.Day(), at.Hour(), at.Minute(), 0, 0, loc)
		if now.Before(due) {
			continue
		}
		key := "digest:" + p + ":" + local.Format("2006-01-02")
		var done bool
		if err := e.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM escalation_outbox
			WHERE office_code = $1 AND idem_key = $2)`, p, key).Scan(&done); err != nil {
			return fmt.Errorf("digest of %s: %w", p, err)
		}
		if done {
			continue // the common case: today's is queued already, no need to render it
		}
		msg, err := e.digestMessage(ctx, pol.Language, p, name, loc, now)
		if err != nil {
			return err
		}
		if _, err := enqueue(ctx, e.pool, outboxRow{Office: p, Key: key,
			Channel: pol.Channels.Provinces[p], Kind: "digest", Msg: msg, At: now}); err != nil {
			return err
		}
	}
	return nil
}

func (e *Escalator) digestMessage(ctx context.Context, lang, province, name string, loc *time.Location, now time.Time) (message, error) {
	l := lex(lang)
	rows, err := e.pool.Query(ctx, `SELECT `+incidentColumns+` FROM escalation_incidents
		WHERE (ended_at IS NULL OR ended_at > $1) AND started_at <= $2 AND NOT retracted
		  AND offices @> jsonb_build_array(jsonb_build_object('province_code', $3::text))
		ORDER BY started_at`, now.Add(-24*time.Hour), now, province)
	if err != nil {
		return message{}, fmt.Errorf("digest of %s: %w", province, err)
	}
	incs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (incident, error) { return scanIncident(r) })
	if err != nil {
		return message{}, fmt.Errorf("digest of %s: %w", province, err)
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
