package sim

import (
	"context"
	"fmt"
	"sort"

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
