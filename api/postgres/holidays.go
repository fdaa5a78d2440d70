package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// Holidays returns the national holidays and collective leave dated
// [from, to], by date.
func (r *ModelReader) Holidays(ctx context.Context, from, to calendar.Date) ([]calendar.Holiday, error) {
	rows, err := r.q.Query(ctx, `SELECT to_char(day, 'YYYY-MM-DD'), kind, name FROM holidays
		WHERE day BETWEEN $1::date AND $2::date ORDER BY day`, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	var (
		out        []calendar.Holiday
		day, kind  string
		name       string
		parseError error
	)
	_, err = pgx.ForEachRow(rows, []any{&day, &kind, &name}, func() error {
		d, err := calendar.ParseDate(day)
		if err != nil {
			parseError = err
		}
		out = append(out, calendar.Holiday{Date: d, Kind: calendar.HolidayKind(kind), Name: name})
		return nil
	})
	if err == nil {
		err = parseError
	}
	if err != nil {
		return nil, fmt.Errorf("holidays: %w", err)
	}
	return out, nil
}

// Holidays returns the holidays dated [from, to].
func (s *Store) Holidays(ctx context.Context, from, to calendar.Date) ([]calendar.Holiday, error) {
	return s.ModelReader().Holidays(ctx, from, to)
}

// ImportHolidays replaces every year the holidays name with exactly those
// holidays, in one transaction: a corrected decree that drops a date
// removes it, and a failure leaves every year as it was. progress, when
// set, hears the years done of the total. It returns the years replaced.
func (s *Store) ImportHolidays(ctx context.Context, hs []calendar.Holiday, progress func(done, total int)) ([]int, error) {
	if len(hs) == 0 {
		return nil, api.Errorf(api.EInvalid, "holidays: the file holds no dates")
	}
	byYear := map[int][]calendar.Holiday{}
	for _, h := range hs {
		byYear[h.Date.Year] = append(byYear[h.Date.Year], h)
	}
	years := make([]int, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	slices.Sort(years)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for i, y := range years {
			var (
				days, kinds, names []string
			)
			for _, h := range byYear[y] {
				days, kinds, names = append(days, h.Date.String()), append(kinds, string(h.Kind)), append(names, h.Name)
			}
			// One year at a time: the delete and the set-based insert.
			if _, err := tx.Exec(ctx, `DELETE FROM holidays WHERE year = $1`, y); err != nil {
				return fmt.Errorf("replace holidays %d: %w", y, err)
			}
			_, err := tx.Exec(ctx, `INSERT INTO holidays (day, kind, name)
				SELECT d::date, k, n FROM unnest($1::text[], $2::text[], $3::text[]) AS u(d, k, n)`, days, kinds, names)
			if err != nil {
				return mapError(err, fmt.Sprintf("holidays %d", y))
			}
			if progress != nil {
				progress(i+1, len(years))
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return years, nil
}
