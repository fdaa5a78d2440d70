package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// OfficeSettings are what the backlog model needs to know about an office
// besides its zone, catalogue and holidays (migrations/00008_office_model.sql).
type OfficeSettings struct {
	OfficeCode string `json:"office_code"`
	// Staff process documents, in working hours and overtime alike.
	Staff int `json:"staff"`
	// OvertimeCap is the most whole overtime hours on one day (0 to 16).
	OvertimeCap int `json:"overtime_cap"`
	// OvertimeHourly and MealAllowance are whole rupiah per person.
	OvertimeHourly int64 `json:"overtime_hourly"`
	MealAllowance  int64 `json:"meal_allowance"`
	// Work and Counter are the hours per weekday; Counter nil is Work.
	Work    calendar.Week      `json:"work_hours"`
	Counter *calendar.Week     `json:"counter_hours,omitempty"`
	Ramadan []calendar.Ramadan `json:"ramadan"`
	// Recorded is false when the office has no row and these are defaults.
	Recorded  bool       `json:"recorded"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// DefaultOfficeSettings are an office's settings until it records its own:
// the civil-service week (report/calendar), 4 staff, a 4-hour cap and the
// seed office's rates (Rp 20,000 an hour, Rp 37,000 meal allowance). The
// migration's column defaults are the same values.
func DefaultOfficeSettings(office string) OfficeSettings {
	return OfficeSettings{OfficeCode: office, Staff: 4, OvertimeCap: 4, OvertimeHourly: 20000, MealAllowance: 37000,
		Work: calendar.CivilServiceWeek(), Ramadan: []calendar.Ramadan{}}
}

// Validate names the first field that is wrong, using the model's own
// calendar rules for the hours.
func (o OfficeSettings) Validate() error {
	switch {
	case o.Staff < 1 || o.Staff > 1000:
		return api.FieldErrorf("staff", "want 1 to 1000, not %d", o.Staff)
	case o.OvertimeCap < 0 || o.OvertimeCap > 16:
		return api.FieldErrorf("overtime_cap", "want 0 to 16 hours, not %d", o.OvertimeCap)
	case o.OvertimeHourly < 0:
		return api.FieldErrorf("overtime_hourly", "must not be negative")
	case o.MealAllowance < 0:
		return api.FieldErrorf("meal_allowance", "must not be negative")
	}
	cal := calendar.Calendar{Zone: time.UTC, Work: o.Work, Counter: o.Counter, Ramadan: o.Ramadan}
	if err := cal.Validate(); err != nil {
		return api.FieldErrorf("work_hours", "%v", err)
	}
	for i := range o.Ramadan {
		for j := range i {
			a, b := o.Ramadan[i], o.Ramadan[j]
			if !a.From.After(b.To) && !b.From.After(a.To) {
				return api.FieldErrorf(fmt.Sprintf("ramadan[%d]", i), "overlaps ramadan[%d]", j)
			}
		}
	}
	return nil
}

// OfficeSettings returns the office's settings, or the defaults when it has
// recorded none.
func (s *Store) OfficeSettings(ctx context.Context, office string) (OfficeSettings, error) {
	if _, err := s.Office(ctx, office); err != nil {
		return OfficeSettings{}, err
	}
	m, err := s.ModelReader().Settings(ctx, []string{office})
	if err != nil {
		return OfficeSettings{}, err
	}
	return m[office], nil
}

// PutOfficeSettings records an office's settings and replaces its Ramadan
// ranges, in one transaction.
func (s *Store) PutOfficeSettings(ctx context.Context, o OfficeSettings, by int64, now time.Time) error {
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
