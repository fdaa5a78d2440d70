package escalate

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
)

// Every test gets its own database, copied from one template migrated and
// seeded once per test binary: CREATE DATABASE … TEMPLATE takes a fraction
// of a second where running every migration takes seconds, which keeps the
// package's tests well inside a minute on a busy machine.
var template struct {
	once  sync.Once
	mu    sync.Mutex // one copy at a time: the template must have no other users
	admin string
	name  string
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if template.name != "" {
		if conn, err := pgx.Connect(context.Background(), template.admin); err == nil {
			_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+template.name+" WITH (FORCE)")
			_ = conn.Close(context.Background())
		}
	}
	os.Exit(code)
}

func randomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func dbURL(admin, name string) (string, error) {
	cfg, err := pgx.ParseConfig(admin)
	if err != nil {
		return "", fmt.Errorf("parse admin url: %w", err)
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name), nil
}

func buildTemplate(admin string) (string, error) {
	ctx := context.Background()
	name := randomName("pantau_escalate_tmpl_")
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	url, err := dbURL(admin, name)
	if err != nil {
		return name, err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return name, fmt.Errorf("open template: %w", err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		return name, err
	}
	return name, seed(ctx, pool)
}

// cloneTemplate returns the URL of a fresh copy of the template, dropped
// when the test ends.
func cloneTemplate(t testing.TB) string {
	t.Helper()
	template.once.Do(func() {
		template.admin = pgtest.AdminURL(t)
		template.name, template.err = buildTemplate(template.admin)
	})
	if template.err != nil {
		t.Fatalf("test database template: %v", template.err)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, template.admin)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	defer conn.Close(ctx)
	name := randomName("pantau_test_")
	template.mu.Lock()
	_, err = conn.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+template.name)
	template.mu.Unlock()
	if err != nil {
		t.Fatalf("copy template: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), template.admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	url, err := dbURL(template.admin, name)
	if err != nil {
		t.Fatal(err)
	}
	return url
}
