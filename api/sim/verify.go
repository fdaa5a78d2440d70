package sim

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
)

// Stored counts the results the server holds for members, read straight
// from the store: the run's own counters could only say what the server
// answered, not what is durably there.
func Stored(ctx context.Context, store *postgres.Store, members []Member) (int64, error) {
	offices := make([]string, len(members))
	ids := make([]int64, len(members))
	for i, m := range members {
		offices[i], ids[i] = m.Office.Code, m.ProbeID
	}
	var n int64
	err := store.Pool().QueryRow(ctx, `SELECT count(*) FROM results r
		JOIN unnest($1::text[], $2::bigint[]) AS p(office_code, probe_id)
		ON r.office_code = p.office_code AND r.probe_id = p.probe_id`, offices, ids).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sim: count stored results: %w", err)
	}
	return n, nil
}

// Pick returns n offices, those of the seed case's province (South
// Sulawesi, 73) first so the default script's offices take part in any run,
// then the rest by code.
func Pick(offices []api.Office, n int) []api.Office {
	out := make([]api.Office, len(offices))
	copy(out, offices)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].ProvinceCode == "73", out[j].ProvinceCode == "73"
		if a != b {
			return a
		}
		return out[i].Code < out[j].Code
	})
	if n < len(out) {
		out = out[:n]
	}
	return out
}

// Detected summarises what the server's detector made of a run: outages of
// the members' series by kind and cause, and incidents begun since by
// scope. It reads the detection tables (migrations/00002) and reports
// ok=false when they are absent, so a server without detection still runs.
func Detected(ctx context.Context, store *postgres.Store, members []Member, since time.Time) (outages, incidents map[string]int64, ok bool, err error) {
	var present bool
	if err := store.Pool().QueryRow(ctx, `SELECT to_regclass('outages') IS NOT NULL AND to_regclass('incidents') IS NOT NULL`).Scan(&present); err != nil {
		return nil, nil, false, fmt.Errorf("sim: look for detection tables: %w", err)
	}
	if !present {
		return nil, nil, false, nil
	}
	offices := make([]string, len(members))
	ids := make([]int64, len(members))
	for i, m := range members {
		offices[i], ids[i] = m.Office.Code, m.ProbeID
	}
	outages, err = countBy(ctx, store, `SELECT o.kind || '/' || o.cause, count(*) FROM outages o
		JOIN unnest($1::text[], $2::bigint[]) AS p(office_code, probe_id)
		ON o.office_code = p.office_code AND o.probe_id = p.probe_id
		WHERE o.started_at >= $3 GROUP BY 1 ORDER BY 1`, offices, ids, since)
	if err != nil {
		return nil, nil, false, err
	}
	incidents, err = countBy(ctx, store, `SELECT scope, count(*) FROM incidents WHERE started_at >= $1 GROUP BY 1 ORDER BY 1`, since)
	if err != nil {
		return nil, nil, false, err
	}
	return outages, incidents, true, nil
}

func countBy(ctx context.Context, store *postgres.Store, sql string, args ...any) (map[string]int64, error) {
	rows, err := store.Pool().Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("sim: detection figures: %w", err)
	}
	out := map[string]int64{}
	var (
		k string
		n int64
	)
	if _, err := pgx.ForEachRow(rows, []any{&k, &n}, func() error { out[k] = n; return nil }); err != nil {
		return nil, fmt.Errorf("sim: detection figures: %w", err)
	}
	return out, nil
}

// Visible returns the offices with a down outage of a central target that
// began at or after since, and whether a national incident that began at or
// after since exists: what the API shows once the detector has committed.
func Visible(ctx context.Context, store *postgres.Store, since time.Time) (offices []string, national bool, err error) {
	rows, err := store.Pool().Query(ctx, `SELECT DISTINCT office_code FROM outages
		WHERE kind = 'down' AND target_kind = 'central' AND started_at >= $1`, since)
	if err != nil {
		return nil, false, fmt.Errorf("sim: visible outages: %w", err)
	}
	if offices, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, false, fmt.Errorf("sim: visible outages: %w", err)
	}
	err = store.Pool().QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM incidents WHERE scope = 'national' AND started_at >= $1)`, since).Scan(&national)
	if err != nil {
		return nil, false, fmt.Errorf("sim: visible incidents: %w", err)
	}
	return offices, national, nil
}
