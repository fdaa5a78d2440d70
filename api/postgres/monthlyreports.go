package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// HasMonthlyReport reports whether the kind ("office" or "province")
// report of ref for the month starting on month is kept.
func (s *Store) HasMonthlyReport(ctx context.Context, ref, kind string, month calendar.Date) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM monthly_reports WHERE ref = $1 AND kind = $2 AND month = $3)`,
		ref, kind, month.String()).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("monthly report exists: %w", err)
	}
	return ok, nil
}

// SaveMonthlyReport keeps a monthly report in its three formats; a report
// kept already stays as it was (what was sent upward does not change).
func (s *Store) SaveMonthlyReport(ctx context.Context, ref, kind string, month calendar.Date, html, csv, xlsx []byte) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO monthly_reports (ref, kind, month, html, csv, xlsx)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, ref, kind, month.String(), string(html), csv, xlsx)
	if err != nil {
		return fmt.Errorf("save monthly report %s %s: %w", kind, ref, err)
	}
	return nil
}

// MonthlyReports lists the kept reports, newest month first, at most limit.
func (s *Store) MonthlyReports(ctx context.Context, limit int) ([]api.MonthlyReport, error) {
	rows, err := s.pool.Query(ctx, `SELECT ref, kind, to_char(month, 'YYYY-MM'), created_at
		FROM monthly_reports ORDER BY month DESC, kind, ref LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("list monthly reports: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.MonthlyReport, error) {
		var m api.MonthlyReport
		err := r.Scan(&m.Ref, &m.Kind, &m.Month, &m.CreatedAt)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("list monthly reports: %w", err)
	}
	return list, nil
}

// MonthlyReportFile returns a kept report's body in format (html, csv or
// xlsx) for month (YYYY-MM); not found when it was never made.
func (s *Store) MonthlyReportFile(ctx context.Context, ref, kind, month, format string) ([]byte, error) {
	var body []byte
	err := s.pool.QueryRow(ctx, `SELECT CASE $4 WHEN 'html' THEN convert_to(html, 'UTF8') WHEN 'csv' THEN csv ELSE xlsx END
		FROM monthly_reports WHERE ref = $1 AND kind = $2 AND to_char(month, 'YYYY-MM') = $3`,
		ref, kind, month, format).Scan(&body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, api.Errorf(api.ENotFound, "no monthly report %s %s %s", kind, ref, month)
	}
	if err != nil {
		return nil, fmt.Errorf("read monthly report: %w", err)
	}
	return body, nil
}
