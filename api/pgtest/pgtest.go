// Package pgtest gives each test a fresh PostgreSQL database with Pantau's
// real migrations applied, and the fixtures many tests share (fixtures.go).
// It uses PANTAU_TEST_DATABASE_URL, else the local server on 127.0.0.1:5432,
// else a private cluster it starts with pgrun.
//
// Migrating takes seconds; copying a migrated database takes a fraction of
// one. So the schema is migrated once into a template database named for a
// hash of the migration files (pantau_tmpl_<hash>), and each test's database
// is a copy of it (CREATE DATABASE … TEMPLATE). Test binaries that run at the
// same time, even from other checkouts, build a template once between them:
// the build holds a PostgreSQL advisory lock, and a template counts only
// once it is marked finished (closed to connections), so one left half-built
// by a killed run is built again. Templates are kept for the next run; a
// changed migration set gets a template of its own.
package pgtest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/pgrun"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/migrations"
)

// DefaultURL is the admin connection tried when PANTAU_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Deadlines of the helper's own work. A test's statements are bounded by
// statementTimeout (see Pool).
const (
	findTimeout      = 2 * time.Minute // find or start a server
	templateTimeout  = 5 * time.Minute // wait for another binary's build, then build
	adminTimeout     = time.Minute     // one copy or drop
	statementTimeout = 2 * time.Minute
)

// templateLock is the advisory lock key held while a template is checked
// and built ("pantau-pgtest" in ASCII, as a number).
const templateLock int64 = 0x70616e7461755f74

// server and template are found or built once per test binary: doing it per
// test would only repeat the same answer.
var (
	server struct {
		once sync.Once
		url  string
		err  error
	}
	template struct {
		once sync.Once
		name string
		err  error
	}
)

// AdminURL returns a connection string to a server's maintenance database
// where the test may create databases.
func AdminURL(t testing.TB) string {
	t.Helper()
	server.once.Do(func() { server.url, server.err = findServer() })
	if server.err != nil {
		t.Fatalf("pgtest: no PostgreSQL for tests: %v", server.err)
	}
	return server.url
}

func findServer() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), findTimeout)
	defer cancel()
	if u := os.Getenv("PANTAU_TEST_DATABASE_URL"); u != "" {
		return u, ping(ctx, u)
	}
	if ping(ctx, DefaultURL) == nil {
		return DefaultURL, nil
	}
	// A private cluster shared by every test binary of this machine. go test
	// runs packages in parallel, so only one may initialise and start it.
	dir := filepath.Join(os.TempDir(), "pantau-test-pg")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	unlock, err := lockFile(filepath.Join(os.TempDir(), "pantau-test-pg.lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	c, err := pgrun.Start(ctx, pgrun.Config{Dir: dir})
	if err != nil {
		return "", err
	}
	return c.URL("postgres"), nil
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.Ping(ctx)
}

// Template returns the name of the migrated template database on the admin
// server, building it if no finished one exists.
func Template(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	template.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), templateTimeout)
		defer cancel()
		template.name, template.err = ensureTemplate(ctx, admin)
	})
	if template.err != nil {
		t.Fatalf("pgtest: template database: %v", template.err)
	}
	return template.name
}

// ensureTemplate returns the template for this migration set, built under
// the advisory lock when it is missing or unfinished.
func ensureTemplate(ctx context.Context, admin string) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "pantau_tmpl_" + sum
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return "", fmt.Errorf("wait for another test binary's template build: %w", err)
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", templateLock) }()
	var exists, finished bool
	err = conn.QueryRow(ctx, `SELECT true, datistemplate AND NOT datallowconn FROM pg_database WHERE datname = $1`, name).
		Scan(&exists, &finished)
	if err != nil && err != pgx.ErrNoRows {
		return "", fmt.Errorf("look up %s: %w", name, err)
	}
	if finished {
		return name, nil
	}
	if exists { // left half-built by a run that was killed
		if _, err := conn.Exec(ctx, "DROP DATABASE "+name+" WITH (FORCE)"); err != nil {
			return "", fmt.Errorf("drop unfinished %s: %w", name, err)
		}
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create %s: %w", name, err)
	}
	if err := migrate(ctx, admin, name); err != nil {
		return "", err
	}
	// Closed to connections: copying needs a template nobody is connected
	// to, and a finished template is recognised by it.
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+name+" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"); err != nil {
		return "", fmt.Errorf("finish %s: %w", name, err)
	}
	return name, nil
}

func migrate(ctx context.Context, admin, name string) error {
	url, err := pgrun.DatabaseURL(admin, name)
	if err != nil {
		return err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return fmt.Errorf("open %s: %w", name, err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return fmt.Errorf("migrate %s: %w", name, err)
	}
	return nil
}

// migrationsHash names the migration set: a hash of every file's name and
// content.
func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// URL creates a fresh, migrated database and returns its connection string:
// the admin URL with only the database changed, so its user, password and
// parameters carry over. The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	tmpl := Template(t)
	name := "pantau_test_" + randomHex(6)
	url, err := pgrun.DatabaseURL(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	if err := adminExec(admin, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err != nil {
		t.Fatalf("pgtest: copy template: %v", err)
	}
	t.Cleanup(func() {
		if err := adminExec(admin, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return url
}

// adminExec runs one statement on its own admin connection, within
// adminTimeout.
func adminExec(admin, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// Pool returns a pool on a fresh, migrated database, closed when the test
// ends. Its statements time out after two minutes, so a test stuck on a lock
// fails instead of hanging the suite.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(URL(t))
	if err != nil {
		t.Fatalf("pgtest: parse url: %v", err)
	}
	cfg.ConnConfig.ConnectTimeout = time.Minute
	cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(statementTimeout.Milliseconds())
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatalf("pgtest: open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Store returns a store on a fresh, migrated database.
func Store(t testing.TB) *postgres.Store {
	t.Helper()
	return postgres.New(Pool(t))
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
