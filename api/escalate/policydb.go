package escalate

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DB is what a pool, a connection and a transaction all offer: the store
// functions take any of them.
type DB interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// TxStarter starts transactions: a pool or a connection.
type TxStarter interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// SavePolicy validates p and replaces the stored policy and channels with it
// in one transaction (the file is the whole truth: channels it omits go).
func SavePolicy(ctx context.Context, db TxStarter, p Policy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `
			UPDATE escalation_policy SET language = $1, province_after_working_s = $2,
			       national_after_s = $3, reminder_every_s = $4, digest_at = $5, updated_at = now()`,
			p.Language, int(p.ProvinceAfter/time.Second), int(p.NationalAfter/time.Second),
			int(p.ReminderEvery/time.Second), p.DigestAt); err != nil {
			return fmt.Errorf("save escalation policy: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM escalation_channels`); err != nil {
			return fmt.Errorf("clear escalation channels: %w", err)
		}
		levels, refs, ids := []string{}, []string{}, []string{}
		add := func(level, ref, id string) {
			levels, refs, ids = append(levels, level), append(refs, ref), append(ids, id)
		}
		if p.Channels.National != "" {
			add("national", "", p.Channels.National)
		}
		for _, k := range sortedKeys(p.Channels.Provinces) {
			add("province", k, p.Channels.Provinces[k])
		}
		for _, k := range sortedKeys(p.Channels.Offices) {
			add("office", k, p.Channels.Offices[k])
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO escalation_channels (level, ref, channel_id)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`, levels, refs, ids); err != nil {
			return fmt.Errorf("save escalation channels: %w", err)
		}
		return nil
	})
}

// LoadPolicy reads the stored policy and channels.
func LoadPolicy(ctx context.Context, q DB) (Policy, error) {
	var p Policy
	var prov, nat, rem int
	if err := q.QueryRow(ctx, `
		SELECT language, province_after_working_s, national_after_s, reminder_every_s, digest_at
		FROM escalation_policy`).Scan(&p.Language, &prov, &nat, &rem, &p.DigestAt); err != nil {
		return Policy{}, fmt.Errorf("load escalation policy: %w", err)
	}
	p.ProvinceAfter = time.Duration(prov) * time.Second
	p.NationalAfter = time.Duration(nat) * time.Second
	p.ReminderEvery = time.Duration(rem) * time.Second
	p.Channels = Channels{Provinces: map[string]string{}, Offices: map[string]string{}}
	rows, err := q.Query(ctx, `SELECT level, ref, channel_id FROM escalation_channels`)
	if err != nil {
		return Policy{}, fmt.Errorf("load escalation channels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var level, ref, id string
		if err := rows.Scan(&level, &ref, &id); err != nil {
			return Policy{}, fmt.Errorf("scan escalation channel: %w", err)
		}
		switch level {
		case "national":
			p.Channels.National = id
		case "province":
			p.Channels.Provinces[ref] = id
		case "office":
			p.Channels.Offices[ref] = id
		}
	}
	if err := rows.Err(); err != nil {
		return Policy{}, fmt.Errorf("load escalation channels: %w", err)
	}
	return p, nil
}
