// Package bench holds Pantau's load measurements: the ingest benchmark
// (HTTP API against a raw CopyFrom of the same rows) and the soak driver. They
// run on a throw-away database and talk only to loopback.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/pgrun"
	"github.com/pantau-id/pantau/api/postgres"
)

// LocalAdminURL is the server tried first when no admin URL is given: the
// machine's own PostgreSQL, as the tests use it.
const LocalAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// Scratch is a fresh, migrated database dropped by Close.
type Scratch struct {
	// URL connects to the scratch database.
	URL   string
	admin string
	name  string
}

// FindAdmin returns an admin URL: adminURL when set, else LocalAdminURL if it
// answers (unless private), else a private cluster started with pgrun in
// dataDir. A private cluster keeps a measurement away from other users of the
// machine's server (their CREATE/DROP DATABASE force checkpoints, and every
// checkpoint makes the next write of each page a full-page image in the WAL).
//
// stop shuts down a private cluster this call started (one found running is
// left as it was); it does nothing otherwise.
func FindAdmin(ctx context.Context, adminURL, dataDir string, private bool) (url string, stop func(), err error) {
	nothing := func() {}
	if adminURL != "" {
		return adminURL, nothing, ping(ctx, adminURL)
	}
	if !private && ping(ctx, LocalAdminURL) == nil {
		return LocalAdminURL, nothing, nil
	}
	if dataDir == "" {
		dataDir = filepath.Join(os.TempDir(), "pantau-bench-pg")
	}
	_, statErr := os.Stat(filepath.Join(dataDir, "data", "postmaster.pid"))
	running := statErr == nil
	c, err := pgrun.Start(ctx, pgrun.Config{Dir: dataDir})
	if err != nil {
		return "", nothing, fmt.Errorf("no PostgreSQL for the benchmark: %w", err)
	}
	if running {
		return c.URL("postgres"), nothing, nil
	}
	return c.URL("postgres"), func() { _ = c.Stop(context.WithoutCancel(ctx)) }, nil
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("connect %s: %w", redact(url), err)
	}
	defer func() { _ = conn.Close(ctx) }()
	return conn.Ping(ctx)
}

// redact hides a password in a URL for messages.
func redact(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(unparsable url)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}

// NewScratch creates database prefix_<random> on the admin server and applies
// every migration.
func NewScratch(ctx context.Context, admin, prefix string) (*Scratch, error) {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	url, err := pgrun.DatabaseURL(admin, name)
	if err != nil {
		return nil, err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return nil, fmt.Errorf("connect admin: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create database %s: %w", name, err)
	}
	s := &Scratch{admin: admin, name: name, URL: url}
	pool, err := pgxpool.New(ctx, s.URL)
	if err != nil {
		_ = s.Close(ctx)
		return nil, fmt.Errorf("open scratch database: %w", err)
	}
	defer pool.Close()
	if err := postgres.Migrate(ctx, pool); err != nil {
		_ = s.Close(ctx)
		return nil, err
	}
	return s, nil
}

// Close drops the scratch database.
func (s *Scratch) Close(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.admin)
	if err != nil {
		return fmt.Errorf("connect admin: %w", err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{s.name}.Sanitize()+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", s.name, err)
	}
	return nil
}

// FreeAddr is a loopback address with a port free at the moment, for a
// server the tools start as a child process.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}
