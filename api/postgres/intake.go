package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// Intake returns each office's intake dated [from, to], by date and type.
func (r *ModelReader) Intake(ctx context.Context, codes []string, from, to calendar.Date) (map[string][]api.IntakeRow, error) {
	rows, err := r.q.Query(ctx, `SELECT office_code, to_char(day, 'YYYY-MM-DD'), doc_type, received, completed
		FROM office_intake WHERE office_code = ANY($1) AND day BETWEEN $2::date AND $3::date
		ORDER BY office_code, day, doc_type`, codes, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("read intake: %w", err)
	}
	out := map[string][]api.IntakeRow{}
	var (
		code, day string
		row       api.IntakeRow
		bad       error
	)
	_, err = pgx.ForEachRow(rows, []any{&code, &day, &row.Type, &row.Received, &row.Completed}, func() error {
		d, err := calendar.ParseDate(day)
		if err != nil {
			bad = err
		}
		row.Date = d
		out[code] = append(out[code], row)
		row = api.IntakeRow{}
		return nil
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return nil, fmt.Errorf("read intake: %w", err)
	}
	return out, nil
}

// Intake returns the office's intake dated [from, to].
func (s *Store) Intake(ctx context.Context, office string, from, to calendar.Date) ([]api.IntakeRow, error) {
	m, err := s.ModelReader().Intake(ctx, []string{office}, from, to)
	if err != nil {
		return nil, err
	}
	return m[office], nil
}

// intakeChunk is how many rows one statement writes; progress is told
// after each.
const intakeChunk = 1000

// UpsertIntake writes rows for office in one transaction, set-based in
// chunks of intakeChunk rows: a (date, type) already recorded is replaced.
// All or nothing: any bad row, or a (date, type) given twice, writes
// nothing. by is the user recording it (0: none, as for a command-line
// import). progress, when set, hears the rows written of the total.
func (s *Store) UpsertIntake(ctx context.Context, office string, rows []api.IntakeRow, by int64, now time.Time, progress func(done, total int)) error {
	type key struct {
		d calendar.Date
		t string
	}
	seen := make(map[key]int, len(rows))
	for i, r := range rows {
		if err := r.Validate(); err != nil {
			return api.FieldErrorf(fmt.Sprintf("intake[%d].%s", i, api.ErrorField(err)), "%s", api.ErrorMessage(err))
		}
		k := key{r.Date, r.Type}
		if j, dup := seen[k]; dup {
			return api.FieldErrorf(fmt.Sprintf("intake[%d]", i), "%s %s is also intake[%d]", r.Date, r.Type, j)
		}
		seen[k] = i
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for lo := 0; lo < len(rows); lo += intakeChunk {
			part := rows[lo:min(lo+intakeChunk, len(rows))]
			days, types := make([]string, len(part)), make([]string, len(part))
			received, completed := make([]int32, len(part)), make([]*int32, len(part))
			for i, r := range part {
				days[i], types[i], received[i] = r.Date.String(), r.Type, int32(r.Received)
				if r.Completed != nil {
					c := int32(*r.Completed)
					completed[i] = &c
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO office_intake (office_code, day, doc_type, received, completed, recorded_by, recorded_at)
				SELECT $1, d::date, t, r, c, NULLIF($6, 0), $7
				FROM unnest($2::text[], $3::text[], $4::integer[], $5::integer[]) AS u(d, t, r, c)
				ON CONFLICT (office_code, day, doc_type) DO UPDATE SET received = EXCLUDED.received,
					completed = EXCLUDED.completed, recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
				office, days, types, received, completed, by, now)
			if err != nil {
				return mapError(err, "intake")
			}
			if progress != nil {
				progress(lo+len(part), len(rows))
			}
		}
		return nil
	})
}

// OfficesWithIntakeSince lists the offices that recorded intake dated on or
// after since.
func (s *Store) OfficesWithIntakeSince(ctx context.Context, since calendar.Date) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT office_code FROM office_intake WHERE day >= $1::date ORDER BY 1`, since.String())
	if err != nil {
		return nil, fmt.Errorf("offices with intake: %w", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("offices with intake: %w", err)
	}
	return codes, nil
}
