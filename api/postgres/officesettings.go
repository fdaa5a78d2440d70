package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// OfficeSettings returns the office's settings, or the defaults when it has
// recorded none.
func (s *Store) OfficeSettings(ctx context.Context, office string) (api.OfficeSettings, error) {
	if _, err := s.Office(ctx, office); err != nil {
		return api.OfficeSettings{}, err
	}
	m, err := s.ModelReader().Settings(ctx, []string{office})
	if err != nil {
		return api.OfficeSettings{}, err
	}
	return m[office], nil
}

// PutOfficeSettings records an office's settings and replaces its Ramadan
// ranges, in one transaction.
func (s *Store) PutOfficeSettings(ctx context.Context, o api.OfficeSettings, by int64, now time.Time) error {
	if err := o.Validate(); err != nil {
		return err
	}
	work, err := json.Marshal(o.Work)
	if err != nil {
		return fmt.Errorf("office settings: %w", err)
	}
	var counter []byte
	if o.Counter != nil {
		if counter, err = json.Marshal(o.Counter); err != nil {
			return fmt.Errorf("office settings: %w", err)
		}
	}
	// Dates travel as text: a date never passes through a zone.
	var (
		froms, tos      = make([]string, len(o.Ramadan)), make([]string, len(o.Ramadan))
		works, counters = make([]string, len(o.Ramadan)), make([]*string, len(o.Ramadan))
	)
	for i, r := range o.Ramadan {
		froms[i], tos[i] = r.From.String(), r.To.String()
		w, _ := json.Marshal(r.Work)
		works[i] = string(w)
		if r.Counter != nil {
			c, _ := json.Marshal(r.Counter)
			cs := string(c)
			counters[i] = &cs
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO office_settings (office_code, staff, overtime_cap, overtime_hourly, meal_allowance,
				work_hours, counter_hours, updated_by, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, 0), $9)
			ON CONFLICT (office_code) DO UPDATE SET staff = EXCLUDED.staff, overtime_cap = EXCLUDED.overtime_cap,
				overtime_hourly = EXCLUDED.overtime_hourly, meal_allowance = EXCLUDED.meal_allowance,
				work_hours = EXCLUDED.work_hours, counter_hours = EXCLUDED.counter_hours,
				updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
			o.OfficeCode, o.Staff, o.OvertimeCap, o.OvertimeHourly, o.MealAllowance, string(work), nullBytes(counter), by, now)
		if err != nil {
			return mapError(err, "office settings")
		}
		if _, err := tx.Exec(ctx, `DELETE FROM office_ramadan WHERE office_code = $1`, o.OfficeCode); err != nil {
			return fmt.Errorf("replace ramadan: %w", err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO office_ramadan (office_code, starts_on, ends_on, work_hours, counter_hours)
			SELECT $1, f::date, t::date, w::jsonb, c::jsonb
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS u(f, t, w, c)`,
			o.OfficeCode, froms, tos, works, counters)
		return mapError(err, "ramadan schedule")
	})
}

// nullBytes maps an empty JSON value to NULL.
func nullBytes(b []byte) *string {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	return &s
}
