package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// maxMaintenance bounds one window: a planned cut-off longer than this is
// more likely a typo in a year than a plan.
const maxMaintenance = 90 * 24 * time.Hour

// validateMaintenance names the first field of m that is wrong.
func validateMaintenance(m api.MaintenanceWindow) error {
	switch m.Scope {
	case api.ScopeOffice:
		if m.OfficeCode == "" {
			return api.FieldErrorf("office_code", "is required for scope office")
		}
		if m.ProvinceCode != "" {
			return api.FieldErrorf("province_code", "must be empty for scope office")
		}
	case api.ScopeProvince:
		if m.ProvinceCode == "" {
			return api.FieldErrorf("province_code", "is required for scope province")
		}
		if m.OfficeCode != "" {
			return api.FieldErrorf("office_code", "must be empty for scope province")
		}
	case api.ScopeNational:
		if m.OfficeCode != "" || m.ProvinceCode != "" {
			return api.FieldErrorf("scope", "national windows name no office or province")
		}
	default:
		return api.FieldErrorf("scope", "must be office, province or national, not %q", m.Scope)
	}
	switch {
	case m.StartsAt.IsZero():
		return api.FieldErrorf("starts_at", "is required")
	case m.EndsAt.IsZero():
		return api.FieldErrorf("ends_at", "is required")
	case !m.EndsAt.After(m.StartsAt):
		return api.FieldErrorf("ends_at", "must be after starts_at")
	case m.EndsAt.Sub(m.StartsAt) > maxMaintenance:
		return api.FieldErrorf("ends_at", "a window lasts at most 90 days")
	case strings.TrimSpace(m.Reason) == "":
		return api.FieldErrorf("reason", "must not be empty")
	case len(m.Reason) > 500:
		return api.FieldErrorf("reason", "must be at most 500 bytes")
	case api.CheckText("reason", m.Reason, 500) != nil:
		return api.CheckText("reason", m.Reason, 500)
	case m.StartsAt.Year() < api.MinDate.Year || m.EndsAt.Year() > api.MaxDate.Year:
		return api.FieldErrorf("starts_at", "want a window between %d and %d", api.MinDate.Year, api.MaxDate.Year)
	}
	for _, f := range [][2]string{{"office_code", m.OfficeCode}, {"province_code", m.ProvinceCode}} {
		if err := api.CheckLine(f[0], f[1], api.MaxName); err != nil {
			return err
		}
	}
	return nil
}

// CreateMaintenance stores a maintenance window after validating it.
func (s *Store) CreateMaintenance(ctx context.Context, m api.MaintenanceWindow) (api.MaintenanceWindow, error) {
	if err := validateMaintenance(m); err != nil {
		return api.MaintenanceWindow{}, err
	}
	err := s.pool.QueryRow(ctx, `INSERT INTO maintenance_windows (scope, office_code, province_code, starts_at, ends_at, reason)
		VALUES ($1, NULLIF($2, ''), NULLIF($3, ''), $4, $5, $6) RETURNING id, created_at`,
		m.Scope, m.OfficeCode, m.ProvinceCode, m.StartsAt, m.EndsAt, strings.TrimSpace(m.Reason)).Scan(&m.ID, &m.CreatedAt)
	if err != nil {
		err = mapError(err, "maintenance window")
		if api.ErrorCode(err) == api.EInvalid {
			// The only references are the office and the province.
			field := "province_code"
			if m.Scope == api.ScopeOffice {
				field = "office_code"
			}
			return api.MaintenanceWindow{}, api.FieldErrorf(field, "no such %s", strings.TrimSuffix(field, "_code"))
		}
		return api.MaintenanceWindow{}, err
	}
	m.Reason = strings.TrimSpace(m.Reason)
	return m, nil
}

// MaintenanceWindows lists windows matching f by start.
func (s *Store) MaintenanceWindows(ctx context.Context, f api.MaintenanceFilter) ([]api.MaintenanceWindow, error) {
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return nil, api.FieldErrorf("to", "must be after from")
	}
	return queryMaintenance(ctx, s.pool, f)
}

func queryMaintenance(ctx context.Context, q querier, f api.MaintenanceFilter) ([]api.MaintenanceWindow, error) {
	rows, err := q.Query(ctx, `SELECT w.id, w.scope, coalesce(w.office_code, ''), coalesce(w.province_code, ''),
			w.starts_at, w.ends_at, w.reason, w.created_at
		FROM maintenance_windows w
		WHERE ($1 = '' OR w.scope = 'national' OR w.office_code = $1
		       OR w.province_code = (SELECT province_code FROM offices WHERE code = $1))
		  AND ($2 = '' OR w.scope = 'national' OR w.province_code = $2
		       OR w.office_code IN (SELECT code FROM offices WHERE province_code = $2))
		  AND ($3::timestamptz IS NULL OR w.ends_at > $3)
		  AND ($4::timestamptz IS NULL OR w.starts_at < $4)
		ORDER BY w.starts_at, w.id`, f.OfficeCode, f.ProvinceCode, nullTime(f.From), nullTime(f.To))
	if err != nil {
		return nil, fmt.Errorf("list maintenance windows: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.MaintenanceWindow, error) {
		var m api.MaintenanceWindow
		err := r.Scan(&m.ID, &m.Scope, &m.OfficeCode, &m.ProvinceCode, &m.StartsAt, &m.EndsAt, &m.Reason, &m.CreatedAt)
		return m, err
	})
}

// DeleteMaintenance removes a window.
func (s *Store) DeleteMaintenance(ctx context.Context, id int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM maintenance_windows WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete maintenance window: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return api.Errorf(api.ENotFound, "maintenance window %d not found", id)
	}
	return nil
}

// windows turns maintenance windows into the timeline's form.
func windows(ms []api.MaintenanceWindow) []detect.Window {
	out := make([]detect.Window, len(ms))
	for i, m := range ms {
		out[i] = detect.Window{ID: m.ID, Start: m.StartsAt, End: m.EndsAt}
	}
	return out
}
