package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestURLIsAMigratedCopyOfItsOwn checks that two tests' databases are
// distinct, both migrated, and that a database is gone after its test.
func TestURLIsAMigratedCopyOfItsOwn(t *testing.T) {
	var first string
	t.Run("first", func(t *testing.T) {
		first = URL(t)
		pool := Pool(t)
		var tables int
		if err := pool.QueryRow(context.Background(),
			`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('offices', 'results', 'escalation_outbox')`).Scan(&tables); err != nil {
			t.Fatal(err)
		}
		if tables != 3 {
			t.Fatalf("%d of the schema's tables, want 3", tables)
		}
		var timeout string
		if err := pool.QueryRow(context.Background(), `SHOW statement_timeout`).Scan(&timeout); err != nil || timeout != "2min" {
			t.Fatalf("statement_timeout %q, %v; want 2min", timeout, err)
		}
		if _, err := pool.Exec(context.Background(), `INSERT INTO provinces (code, name, tz) VALUES ('73', 'Sulawesi Selatan', 'Asia/Makassar')`); err != nil {
			t.Fatal(err)
		}
	})
	second := Pool(t)
	var n int
	if err := second.QueryRow(context.Background(), `SELECT count(*) FROM provinces`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("a new database has %d provinces (%v): it is not a fresh copy", n, err)
	}
	conn, err := pgx.Connect(context.Background(), AdminURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	cfg, _ := pgx.ParseConfig(first)
	var exists bool
	if err := conn.QueryRow(context.Background(), `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, cfg.Database).Scan(&exists); err != nil || exists {
		t.Fatalf("the first test's database still exists after it ended (%v)", err)
	}
}

// BenchmarkNewDatabase compares a test's database copied from the template
// with one migrated from empty, the way this helper made them before: the
// copy must be the faster. Reports ms per database and the ratio.
func BenchmarkNewDatabase(b *testing.B) {
	admin, tmpl := AdminURL(b), Template(b)
	measure := func(make func(name string) error) time.Duration {
		const n = 5
		start := time.Now()
		for range n {
			name := "pantau_bench_" + randomHex(6)
			if err := make(name); err != nil {
				b.Fatal(err)
			}
			if err := adminExec(admin, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
				b.Fatal(err)
			}
		}
		return time.Since(start) / n
	}
	for b.Loop() {
		copied := measure(func(name string) error { return adminExec(admin, "CREATE DATABASE "+name+" TEMPLATE "+tmpl) })
		migrated := measure(func(name string) error {
			if err := adminExec(admin, "CREATE DATABASE "+name); err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), templateTimeout)
			defer cancel()
			return migrate(ctx, admin, name)
		})
		b.ReportMetric(float64(copied.Milliseconds()), "copy-ms")
		b.ReportMetric(float64(migrated.Milliseconds()), "migrate-ms")
		b.ReportMetric(float64(migrated)/float64(copied), "migrate/copy")
	}
}

// TestFixturesAreWhatTheyPromise checks the fixtures against the store, and
// that writing one twice changes nothing.
func TestFixturesAreWhatTheyPromise(t *testing.T) {
	s := Store(t)
	mks := Makassar(t, s)
	again := Makassar(t, s)
	if again.Central.ID != mks.Central.ID || again.Internet.ID != mks.Internet.ID {
		t.Errorf("a second Makassar made new targets: %d/%d then %d/%d", mks.Central.ID, mks.Internet.ID, again.Central.ID, again.Internet.ID)
	}
	kdi := Kendari(t, s)
	ctx := context.Background()
	for _, f := range []Office{mks, kdi} {
		o, err := s.Office(ctx, f.Code)
		if err != nil || o.Name != f.Name || o.ProvinceCode != f.Province.Code || o.TZ != "Asia/Makassar" {
			t.Errorf("office %s in the store: %+v, %v", f.Code, o, err)
		}
		targets, err := s.Targets(ctx, f.Code)
		if err != nil || len(targets) != 2 {
			t.Fatalf("targets of %s: %+v, %v; want central and internet", f.Code, targets, err)
		}
		for _, tg := range targets {
			want := map[int64]string{f.Central.ID: "central", f.Internet.ID: "internet"}[tg.ID]
			if string(tg.Spec.Kind) != want {
				t.Errorf("target %d of %s is %s, want %q", tg.ID, f.Code, tg.Spec.Kind, want)
			}
		}
	}
	if !mks.Settings.Recorded || mks.Settings.Staff != 4 || mks.Settings.OvertimeCap != 4 ||
		mks.Settings.OvertimeHourly != 20000 || mks.Settings.MealAllowance != 37000 {
		t.Errorf("Makassar's settings: %+v, want the seed case's, recorded", mks.Settings)
	}
	if kdi.Settings.Recorded || kdi.Province.Code != "74" {
		t.Errorf("Kendari: settings %+v in province %s, want defaults (not recorded) in 74", kdi.Settings, kdi.Province.Code)
	}
}
