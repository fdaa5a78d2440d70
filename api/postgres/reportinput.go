package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/report/calendar"
)

// ModelReader reads what the backlog model's input needs (api/reportdata)
// for many offices at once, one query per kind of data, through the pool or
// through one transaction: escalation estimates a recovery inside the
// detector's transaction, where the outage that just ended is not yet
// committed.
type ModelReader struct{ q modelDB }

// modelDB is what both a pool and a transaction offer.
type modelDB interface {
	querier
	batcher
}

// ModelReader reads through the pool.
func (s *Store) ModelReader() *ModelReader { return &ModelReader{q: s.pool} }

// TxModelReader reads inside tx.
func TxModelReader(tx pgx.Tx) *ModelReader { return &ModelReader{q: tx} }

// Offices returns the offices with the given codes, by code; a code that
// does not exist is left out.
func (r *ModelReader) Offices(ctx context.Context, codes []string) ([]api.Office, error) {
	rows, err := r.q.Query(ctx, `SELECT code, name, province_code, kind, tz, coalesce(lat, 0), coalesce(lon, 0), coalesce(population, 0)
		FROM offices WHERE code = ANY($1) ORDER BY code`, codes)
	if err != nil {
		return nil, fmt.Errorf("list offices: %w", err)
	}
	return pgx.CollectRows(rows, scanOffice)
}

// CentralOutages returns, per office, the down outages of central targets
// with cause central that overlap [from, to), by start. Several targets or
// probes of one office give overlapping outages; the caller merges them.
// Local-cause outages (the office offline) are left out: the model
// measures what the central link cost the office.
func (r *ModelReader) CentralOutages(ctx context.Context, codes []string, from, to time.Time) (map[string][]api.Interval, error) {
	rows, err := r.q.Query(ctx, `SELECT office_code, started_at, ended_at FROM outages
		WHERE office_code = ANY($1) AND kind = 'down' AND target_kind = 'central' AND cause = 'central'
		  AND (ended_at IS NULL OR ended_at > $2) AND started_at < $3
		ORDER BY office_code, started_at`, codes, from, to)
	if err != nil {
		return nil, fmt.Errorf("central outages: %w", err)
	}
	out := map[string][]api.Interval{}
	var (
		code string
		iv   api.Interval
	)
	_, err = pgx.ForEachRow(rows, []any{&code, &iv.Start, &iv.End}, func() error {
		out[code] = append(out[code], iv)
		iv = api.Interval{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("central outages: %w", err)
	}
	return out, nil
}

// CentralSeries returns, per office, the detector's series of its central
// targets with their spans open or ending after from: what OfficeTimeline
// reads one office at a time, in one query for many (a national report's
// availability would otherwise cost three round trips per office).
func (r *ModelReader) CentralSeries(ctx context.Context, codes []string, from time.Time) (map[string][]detect.Series, error) {
	rows, err := r.q.Query(ctx, `SELECT s.office_code, s.probe_id, s.target_id, s.first_at, o.started_at, o.ended_at, o.kind
		FROM series_state s
		JOIN targets t ON t.office_code = s.office_code AND t.id = s.target_id AND t.kind = 'central'
		LEFT JOIN outages o ON o.office_code = s.office_code AND o.probe_id = s.probe_id AND o.target_id = s.target_id
			AND (o.ended_at IS NULL OR o.ended_at > $2)
		WHERE s.office_code = ANY($1)
		ORDER BY s.office_code, s.probe_id, s.target_id, o.started_at`, codes, from)
	if err != nil {
		return nil, fmt.Errorf("central series: %w", err)
	}
	out := map[string][]detect.Series{}
	var (
		office, last    string
		probeID, target int64
		first           time.Time
		start, end      *time.Time
		kind            *string
	)
	_, err = pgx.ForEachRow(rows, []any{&office, &probeID, &target, &first, &start, &end, &kind}, func() error {
		if key := fmt.Sprint(office, " ", probeID, " ", target); key != last {
			out[office] = append(out[office], detect.Series{First: first})
			last = key
		}
		if start != nil {
			ss := out[office]
			cur := &ss[len(ss)-1]
			sp := detect.Span{Kind: *kind, Start: *start}
			if end != nil {
				e := *end
				sp.End = &e
			}
			cur.Spans = append(cur.Spans, sp)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("central series: %w", err)
	}
	return out, nil
}

// Maintenance returns, per office, the maintenance windows that apply to
// it (its own, its province's, national ones) overlapping [from, to).
func (r *ModelReader) Maintenance(ctx context.Context, offices []api.Office, from, to time.Time) (map[string][]api.MaintenanceWindow, error) {
	ms, err := queryMaintenance(ctx, r.q, api.MaintenanceFilter{From: from, To: to})
	if err != nil {
		return nil, err
	}
	out := map[string][]api.MaintenanceWindow{}
	for _, o := range offices {
		for _, m := range ms {
			if applies(m, o) {
				out[o.Code] = append(out[o.Code], m)
			}
		}
	}
	return out, nil
}

// Settings returns each office's settings, the defaults for those that
// recorded none.
func (r *ModelReader) Settings(ctx context.Context, codes []string) (map[string]api.OfficeSettings, error) {
	out := make(map[string]api.OfficeSettings, len(codes))
	for _, c := range codes {
		out[c] = api.DefaultOfficeSettings(c)
	}
	var b pgx.Batch
	b.Queue(`SELECT office_code, staff, overtime_cap, overtime_hourly, meal_allowance, work_hours, counter_hours, updated_at
		FROM office_settings WHERE office_code = ANY($1)`, codes).Query(func(rows pgx.Rows) error {
		var (
			o             api.OfficeSettings
			work, counter []byte
			at            time.Time
		)
		_, err := pgx.ForEachRow(rows, []any{&o.OfficeCode, &o.Staff, &o.OvertimeCap, &o.OvertimeHourly, &o.MealAllowance, &work, &counter, &at},
			func() error {
				s := out[o.OfficeCode]
				s.Staff, s.OvertimeCap, s.OvertimeHourly, s.MealAllowance = o.Staff, o.OvertimeCap, o.OvertimeHourly, o.MealAllowance
				s.Recorded, s.UpdatedAt, s.Counter = true, &at, nil
				if err := json.Unmarshal(work, &s.Work); err != nil {
					return fmt.Errorf("office %s: work_hours: %w", o.OfficeCode, err)
				}
				if counter != nil {
					s.Counter = new(calendar.Week)
					if err := json.Unmarshal(counter, s.Counter); err != nil {
						return fmt.Errorf("office %s: counter_hours: %w", o.OfficeCode, err)
					}
				}
				out[o.OfficeCode] = s
				return nil
			})
		return err
	})
	b.Queue(`SELECT office_code, to_char(starts_on, 'YYYY-MM-DD'), to_char(ends_on, 'YYYY-MM-DD'), work_hours, counter_hours
		FROM office_ramadan WHERE office_code = ANY($1) ORDER BY office_code, starts_on`, codes).Query(func(rows pgx.Rows) error {
		var (
			code, from, to string
			work, counter  []byte
		)
		_, err := pgx.ForEachRow(rows, []any{&code, &from, &to, &work, &counter}, func() error {
			var rm calendar.Ramadan
			var err error
			if rm.From, err = calendar.ParseDate(from); err != nil {
				return err
			}
			if rm.To, err = calendar.ParseDate(to); err != nil {
				return err
			}
			if err := json.Unmarshal(work, &rm.Work); err != nil {
				return fmt.Errorf("office %s: ramadan work_hours: %w", code, err)
			}
			if counter != nil {
				rm.Counter = new(calendar.Week)
				if err := json.Unmarshal(counter, rm.Counter); err != nil {
					return fmt.Errorf("office %s: ramadan counter_hours: %w", code, err)
				}
			}
			s := out[code]
			s.Ramadan = append(s.Ramadan, rm)
			out[code] = s
			return nil
		})
		return err
	})
	if err := r.q.SendBatch(ctx, &b).Close(); err != nil {
		return nil, fmt.Errorf("office settings: %w", err)
	}
	return out, nil
}

// batcher is what both a pool and a transaction offer for batches.
type batcher interface {
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}
