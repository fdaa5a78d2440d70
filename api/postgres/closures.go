package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// OfficeClosures returns each office's own closed days (regional holidays
// and closures) dated [from, to], by office and date.
func (r *ModelReader) OfficeClosures(ctx context.Context, codes []string, from, to calendar.Date) (map[string][]calendar.Holiday, error) {
	rows, err := r.q.Query(ctx, `SELECT office_code, to_char(day, 'YYYY-MM-DD'), kind, name FROM office_closures
		WHERE office_code = ANY($1) AND day BETWEEN $2::date AND $3::date ORDER BY office_code, day`, codes, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("office closures: %w", err)
	}
	out := map[string][]calendar.Holiday{}
	var office, day, kind, name string
	_, err = pgx.ForEachRow(rows, []any{&office, &day, &kind, &name}, func() error {
		d, err := calendar.ParseDate(day)
		if err != nil {
			return err
		}
		out[office] = append(out[office], calendar.Holiday{Date: d, Kind: calendar.HolidayKind(kind), Name: name})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("office closures: %w", err)
	}
	return out, nil
}

// OfficeClosures returns office's own closed days dated [from, to].
func (s *Store) OfficeClosures(ctx context.Context, office string, from, to calendar.Date) ([]calendar.Holiday, error) {
	m, err := s.ModelReader().OfficeClosures(ctx, []string{office}, from, to)
	if err != nil {
		return nil, err
	}
	return m[office], nil
}

// SetOfficeClosure records (or replaces) one of office's closed days; kind
// is calendar.RegionalHoliday or calendar.OfficeClosure.
func (s *Store) SetOfficeClosure(ctx context.Context, office string, h calendar.Holiday) error {
	if h.Kind != calendar.RegionalHoliday && h.Kind != calendar.OfficeClosure {
		return api.FieldErrorf("kind", "%q is not %s (libur daerah) or %s (kantor tutup)", h.Kind, calendar.RegionalHoliday, calendar.OfficeClosure)
	}
	if h.Name == "" {
		return api.FieldErrorf("name", "is required")
	}
	if h.Date.IsZero() {
		return api.FieldErrorf("date", "is required (YYYY-MM-DD)")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO office_closures (office_code, day, kind, name) VALUES ($1, $2::date, $3, $4)
		ON CONFLICT (office_code, day) DO UPDATE SET kind = excluded.kind, name = excluded.name, updated_at = now()`,
		office, h.Date.String(), string(h.Kind), h.Name)
	return mapError(err, "office closure")
}

// DeleteOfficeClosure removes one of office's closed days; not found when
// there is none that day.
func (s *Store) DeleteOfficeClosure(ctx context.Context, office string, day calendar.Date) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM office_closures WHERE office_code = $1 AND day = $2::date`, office, day.String())
	if err != nil {
		return fmt.Errorf("delete office closure: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return api.Errorf(api.ENotFound, "office %s has no closed day on %s", office, day)
	}
	return nil
}
