package demo

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/report/calendar"
)

func TestSeedIntakeRecordsWorkingDaysOnce(t *testing.T) {
	store := pgtest.Store(t)
	ctx := context.Background()
	pgtest.Makassar(t, store)
	now := time.Date(2020, 1, 20, 9, 0, 0, 0, time.UTC) // Monday 17:00 WITA
	n, err := SeedIntake(ctx, store, []string{"73.71"}, 14, now, nil)
	if err != nil || n != 1 {
		t.Fatalf("seed: %d, %v", n, err)
	}
	loc, _ := time.LoadLocation("Asia/Makassar")
	today := calendar.DateOf(now, loc)
	rows, err := store.Intake(ctx, "73.71", today.AddDays(-14), today)
	if err != nil {
		t.Fatal(err)
	}
	days := map[calendar.Date]int{}
	for _, r := range rows {
		days[r.Date] += r.Received
	}
	// 6–17 January 2020 holds ten weekdays; nothing today or on weekends.
	if len(days) != 10 {
		t.Fatalf("%d days recorded, want the 10 weekdays: %v", len(days), days)
	}
	for d, total := range days {
		if !calendar.Default(loc).IsWorkingDay(d) || !d.Before(today) {
			t.Errorf("intake on %s, not a past working day", d)
		}
		if total < 70 || total > 90 {
			t.Errorf("%s: %d files, want about 80 at Makassar's size", d, total)
		}
	}
	if n, err := SeedIntake(ctx, store, []string{"73.71"}, 14, now, nil); err != nil || n != 0 {
		t.Fatalf("second seed: %d, %v; want 0 (the office has intake already)", n, err)
	}
}
