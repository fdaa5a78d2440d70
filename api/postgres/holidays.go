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
	seen := make(map[calendar.Date]int, len(hs))
	for i, h := range hs {
		// One entry a day: a second one is a mistake in the file, named
		// here rather than as the table's unique violation.
		if j, dup := seen[h.Date]; dup {
			return nil, api.FieldErrorf(fmt.Sprintf("holidays[%d]", i), "%s is listed twice (also entry %d)", h.Date, j+1)
		}
		seen[h.Date] = i
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

// SeedHolidays loads the years of hs that hold no holiday yet, all of
// them in one transaction, and returns the years it loaded: the shipped
// national list (calendar.National) goes in on a first start, and a year
// already there (shipped earlier, or imported from a corrected decree) is
// never overwritten. Running it again loads nothing.
func (s *Store) SeedHolidays(ctx context.Context, hs []calendar.Holiday) ([]int, error) {
	var loaded []int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Two servers starting at once must not both load a year.
		if _, err := tx.Exec(ctx, `LOCK TABLE holidays IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return fmt.Errorf("seed holidays: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT DISTINCT year FROM holidays`)
		if err != nil {
			return fmt.Errorf("seed holidays: %w", err)
		}
		present, err := pgx.CollectRows(rows, pgx.RowTo[int32])
		if err != nil {
			return fmt.Errorf("seed holidays: %w", err)
		}
		var days, kinds, names []string
		for _, h := range hs {
			if slices.Contains(present, int32(h.Date.Year)) {
				continue
			}
			if !slices.Contains(loaded, h.Date.Year) {
				loaded = append(loaded, h.Date.Year)
			}
			days, kinds, names = append(days, h.Date.String()), append(kinds, string(h.Kind)), append(names, h.Name)
		}
		if len(days) == 0 {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO holidays (day, kind, name)
			SELECT d::date, k, n FROM unnest($1::text[], $2::text[], $3::text[]) AS u(d, k, n)`, days, kinds, names)
		return mapError(err, "seed holidays")
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(loaded)
	return loaded, nil
}
