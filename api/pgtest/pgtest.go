// Package pgtest gives each test a fresh PostgreSQL database with Pantau's
// real migrations applied. It uses PANTAU_TEST_DATABASE_URL, else the local
// server on 127.0.0.1:5432, else a private cluster it starts with pgrun.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/pgrun"
	"github.com/pantau-id/pantau/api/postgres"
)

// DefaultURL is the admin connection tried when PANTAU_TEST_DATABASE_URL is unset.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// server is found once per test binary: probing it per test would only repeat
// the same answer.
var server struct {
	once sync.Once
	url  string
	err  error
}

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
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
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

// URL creates a fresh, migrated database and returns its connection string.
// The database is dropped when the test ends.
func URL(t testing.TB) string {
	t.Helper()
	admin := AdminURL(t)
	ctx := context.Background()
	name := "pantau_test_" + randomHex(6)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		t.Fatalf("pgtest: parse url: %v", err)
	}
	url := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return url
}

// Pool returns a pool on a fresh, migrated database, closed when the test ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), URL(t))
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
