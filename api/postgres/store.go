// Package postgres is Pantau's one store: a concrete type over pgxpool, one
// file per entity. It never logs; it returns *api.Error for what a user can
// act on and wrapped errors for the rest.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/migrations"
)

// Store reads and writes Pantau's data.
type Store struct {
	pool *pgxpool.Pool
	// partitions remembers days whose results partition exists, so ingest
	// pays for the DDL check once per day and process.
	partitions *partitionCache
	// ingest caches probe tokens and target ids for uploads (ingestcache.go).
	ingest *ingestCache
	// arrivals wakes the detector after an ingest commits new results.
	arrivals *detect.Signal
	// collect groups concurrent ingests into one transaction.
	collect *collector
	// copyBufs reuses the buffers of ingest's COPY streams (copyrows.go).
	copyBufs sync.Pool
	// hashes bounds concurrent password hashing (logins, new users).
	hashes *HashGate
}

// New wraps an open pool.
func New(pool *pgxpool.Pool) *Store {
	s := &Store{pool: pool, partitions: newPartitionCache(), ingest: newIngestCache(), arrivals: detect.NewSignal(),
		hashes: NewHashGate(DefaultHashSlots(), DefaultHashWait)}
	s.collect = newCollector(s.flushGroup)
	return s
}

// Open connects to url and checks the connection.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return New(pool), nil
}

// Pool exposes the pool to the services that run their own transactions
// (detection, escalation).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close stores and answers the ingests already queued, then closes the
// pool.
func (s *Store) Close() {
	s.collect.close()
	s.pool.Close()
}

// Ping checks the database is reachable (for /readyz).
func (s *Store) Ping(ctx context.Context) error { return s.pool.Ping(ctx) }

// MigrationProvider returns a goose provider over the embedded migrations.
// The caller closes the returned *sql.DB when done.
//
// Migrations written side by side take their numbers first and land in
// whatever order they are done (00028 and 00030 landed before 00027 and
// 00029), so a database migrated in between lacks an older number: goose
// applies such a missing migration rather than refusing every later one.
func MigrationProvider(pool *pgxpool.Pool) (*goose.Provider, *sql.DB, error) {
	db := stdlib.OpenDBFromPool(pool)
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		db.Close()
		return nil, nil, fmt.Errorf("migrations: %w", err)
	}
	return p, db, nil
}

// Migrate applies every pending migration.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	p, db, err := MigrationProvider(pool)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate up: %w", err)
	}
	return nil
}

// Migrate applies every pending migration to the store's database.
func (s *Store) Migrate(ctx context.Context) error { return Migrate(ctx, s.pool) }

// Migrations returns a goose provider over the store's database; the
// caller closes the returned *sql.DB when done.
func (s *Store) Migrations() (*goose.Provider, *sql.DB, error) { return MigrationProvider(s.pool) }

// EnsureDatabase creates database name through adminURL (a connection to
// another database of the same server) unless it exists.
func EnsureDatabase(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database %s: %w", name, err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// mapError turns pgx's not-found, unique violations and the data errors a
// caller's input can cause into api errors. Messages never carry the
// database's own text (constraint and relation names are not the caller's
// business); the caller's context, what, says what was refused.
func mapError(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return api.Errorf(api.ENotFound, "%s not found", what)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23505":
			return api.Errorf(api.EConflict, "%s exists already", what)
		case "23503":
			return api.Errorf(api.EInvalid, "%s refers to something that does not exist", what)
		case "23514", "23502":
			return api.Errorf(api.EInvalid, "%s: a value is out of its allowed range", what)
		case "22P02", "22007", "22008", "22003":
			return api.Errorf(api.EInvalid, "%s: a value is malformed or out of range", what)
		case "22021", "22P05", "22001":
			// Invalid UTF-8, a NUL in text or JSON, a value too long: the
			// HTTP layer refuses these first; this is the net beneath it.
			return api.Errorf(api.EInvalid, "%s: text must be valid UTF-8 without NUL characters and not too long", what)
		}
	}
	return fmt.Errorf("%s: %w", what, err)
}
