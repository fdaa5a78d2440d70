package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report/calendar"
)

// dailyMix is a working day's intake at an office the size of Kota Makassar
// in January 2020: about 80 files (the seed article's figure), by type.
var dailyMix = []struct {
	code string
	n    int
}{
	{"KK", 20}, {"KTP-EL", 16}, {"AKTA-LAHIR", 14}, {"KIA", 8}, {"SUKET", 8},
	{"SKPWNI", 5}, {"AKTA-MATI", 4}, {"AKTA-KAWIN", 2}, {"AKTA-CERAI", 1}, {"LEGALISIR", 2},
}

// makassarPopulation scales the mix: smaller kabupaten receive fewer files.
const makassarPopulation = 1_470_000

// SeedIntake records days of intake up to yesterday for each office that
// has none yet, on the civil-service working days, so that the backlog and
// overtime charts have something to show from the first minute. progress,
// when set, hears each office done.
func SeedIntake(ctx context.Context, store *postgres.Store, codes []string, days int, now time.Time, progress func(done, total int)) (int, error) {
	seeded := 0
	for i, code := range codes {
		office, err := store.Office(ctx, code)
		if err != nil {
			return seeded, err
		}
		loc, err := calendar.LoadZone(office.TZ)
		if err != nil {
			return seeded, fmt.Errorf("demo intake for %s: %w", code, err)
		}
		today := calendar.DateOf(now, loc)
		existing, err := store.Intake(ctx, code, today.AddDays(-days), today)
		if err != nil {
			return seeded, err
		}
		if len(existing) > 0 {
			continue
		}
		scale := float64(office.Population) / makassarPopulation
		scale = min(max(scale, 0.2), 1.5)
		cal := calendar.Default(loc)
		var rows []api.IntakeRow
		for d := today.AddDays(-days); d.Before(today); d = d.AddDays(1) {
			if !cal.IsWorkingDay(d) {
				continue
			}
			for i, m := range dailyMix {
				// A small, repeatable day-to-day wobble so the chart is not flat.
				n := int(float64(m.n)*scale+0.5) + (int(d.DaysUntil(today))+i)%3 - 1
				rows = append(rows, api.IntakeRow{Date: d, Type: m.code, Received: max(n, 0)})
			}
		}
		if err := store.UpsertIntake(ctx, code, rows, 0, now, nil); err != nil {
			return seeded, fmt.Errorf("demo intake for %s: %w", code, err)
		}
		seeded++
		if progress != nil {
			progress(i+1, len(codes))
		}
	}
	return seeded, nil
}
