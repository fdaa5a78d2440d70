package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
)

// TestMigrateAppliesAMissingOlderMigration: a database migrated while
// 00028 and 00030 were on main but 00027 and 00029 not yet (they landed
// in that order) lacks 00027; migrating it again applies 00027 instead of
// refusing with "missing migrations".
func TestMigrateAppliesAMissingOlderMigration(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := pgtest.Pool(t)
	p, db, err := postgres.MigrationProvider(pool)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Undo 00027 alone: the database now has every migration but it.
	if _, err := p.ApplyVersion(ctx, 27, false); err != nil {
		t.Fatalf("undo 00027: %v", err)
	}
	lz4 := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_attribute
			WHERE attrelid = 'detection_queue'::regclass AND attcompression = 'l'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := lz4(); n != 0 {
		t.Fatalf("after undoing 00027, %d queue columns still lz4", n)
	}
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("migrate with 00027 missing: %v", err)
	}
	if n := lz4(); n != 3 {
		t.Fatalf("after migrating, %d queue columns lz4, want 3 (00027 not applied)", n)
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range statuses {
		if s.State != "applied" {
			t.Errorf("migration %d is %s, want applied", s.Source.Version, s.State)
		}
	}
}
