package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// OfficeLetter returns what the office recorded for its letters; an
// office that recorded nothing gets empty fields.
func (s *Store) OfficeLetter(ctx context.Context, office string) (api.OfficeLetter, error) {
	l := api.OfficeLetter{OfficeCode: office}
	var at time.Time
	err := s.pool.QueryRow(ctx, `SELECT head_name, head_nip, head_title, address, place, number_pattern, updated_at
		FROM office_letter WHERE office_code = $1`, office).Scan(&l.HeadName, &l.HeadNIP, &l.HeadTitle, &l.Address, &l.Place, &l.NumberPattern, &at)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return l, nil
	case err != nil:
		return l, fmt.Errorf("office letter %s: %w", office, err)
	}
	l.UpdatedAt = &at
	return l, nil
}

// PutOfficeLetter records an office's letter fields.
func (s *Store) PutOfficeLetter(ctx context.Context, l api.OfficeLetter, by int64, now time.Time) error {
	if err := l.Validate(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO office_letter (office_code, head_name, head_nip, head_title, address, place, number_pattern, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, NULLIF($8, 0), $9)
		ON CONFLICT (office_code) DO UPDATE SET head_name = EXCLUDED.head_name, head_nip = EXCLUDED.head_nip,
			head_title = EXCLUDED.head_title, address = EXCLUDED.address, place = EXCLUDED.place,
			number_pattern = EXCLUDED.number_pattern, updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
		l.OfficeCode, l.HeadName, l.HeadNIP, l.HeadTitle, l.Address, l.Place, l.NumberPattern, by, now)
	return mapError(err, "office letter")
}
