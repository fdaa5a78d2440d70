package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// UpsertRegions writes provinces and offices in one transaction: an import
// is all or nothing, and running it twice changes nothing. progress, when
// set, is told how many rows of the total are written so far.
func (s *Store) UpsertRegions(ctx context.Context, provinces []api.Province, offices []api.Office, progress func(done, total int)) error {
	const chunk = 100
	total := len(provinces) + len(offices)
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var b pgx.Batch
		flush := func() error {
			if b.Len() == 0 {
				return nil
			}
			n := b.Len()
			if err := tx.SendBatch(ctx, &b).Close(); err != nil {
				return mapError(err, "region")
			}
			b = pgx.Batch{}
			if progress != nil {
				progress(n, total)
			}
			return nil
		}
		for _, p := range provinces {
			b.Queue(`INSERT INTO provinces (code, name, capital, tz, lat, lon, population)
				VALUES ($1, $2, $3, $4, $5, $6, $7)
				ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, capital = EXCLUDED.capital,
					tz = EXCLUDED.tz, lat = EXCLUDED.lat, lon = EXCLUDED.lon, population = EXCLUDED.population`,
				p.Code, p.Name, p.Capital, p.TZ, p.Lat, p.Lon, p.Population)
		}
		// Provinces first: offices refer to them.
		if err := flush(); err != nil {
			return err
		}
		for _, o := range offices {
			b.Queue(`INSERT INTO offices (code, name, province_code, kind, tz, lat, lon, population)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
				ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, province_code = EXCLUDED.province_code,
					kind = EXCLUDED.kind, tz = EXCLUDED.tz, lat = EXCLUDED.lat, lon = EXCLUDED.lon,
					population = EXCLUDED.population`,
				o.Code, o.Name, o.ProvinceCode, o.Kind, o.TZ, o.Lat, o.Lon, o.Population)
			if b.Len() == chunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return flush()
	})
}

// Provinces lists every province by code.
func (s *Store) Provinces(ctx context.Context) ([]api.Province, error) {
	rows, err := s.pool.Query(ctx, `SELECT code, name, capital, tz, coalesce(lat, 0), coalesce(lon, 0), coalesce(population, 0)
		FROM provinces ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("list provinces: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Province, error) {
		var p api.Province
		err := r.Scan(&p.Code, &p.Name, &p.Capital, &p.TZ, &p.Lat, &p.Lon, &p.Population)
		return p, err
	})
}

// Offices lists offices matching f, by code.
func (s *Store) Offices(ctx context.Context, f api.OfficeFilter) ([]api.Office, error) {
	rows, err := s.pool.Query(ctx, `SELECT code, name, province_code, kind, tz, coalesce(lat, 0), coalesce(lon, 0), coalesce(population, 0)
		FROM offices
		WHERE ($1 = '' OR province_code = $1) AND ($2 = '' OR code = $2)
		ORDER BY code`, f.ProvinceCode, f.Code)
	if err != nil {
		return nil, fmt.Errorf("list offices: %w", err)
	}
	return pgx.CollectRows(rows, scanOffice)
}

// Office returns one office by code.
func (s *Store) Office(ctx context.Context, code string) (api.Office, error) {
	offices, err := s.Offices(ctx, api.OfficeFilter{Code: code})
	if err != nil {
		return api.Office{}, err
	}
	if len(offices) == 0 {
		return api.Office{}, api.Errorf(api.ENotFound, "office %s not found", code)
	}
	return offices[0], nil
}

func scanOffice(r pgx.CollectableRow) (api.Office, error) {
	var o api.Office
	err := r.Scan(&o.Code, &o.Name, &o.ProvinceCode, &o.Kind, &o.TZ, &o.Lat, &o.Lon, &o.Population)
	return o, err
}
