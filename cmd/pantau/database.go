package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/pantau-id/pantau/api/pgrun"
	"github.com/pantau-id/pantau/api/postgres"
)

// dbFlags are the database flags every command shares.
type dbFlags struct {
	url     string
	dataDir string
	runAs   string
}

func (d *dbFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&d.url, "database", os.Getenv("DATABASE_URL"), "PostgreSQL URL (env DATABASE_URL); empty starts a private PostgreSQL in -data-dir")
	fs.StringVar(&d.dataDir, "data-dir", defaultDataDir(), "folder for the private PostgreSQL and demo state (env PANTAU_DATA_DIR)")
	fs.StringVar(&d.runAs, "pg-user", "postgres", "unprivileged user that runs the private PostgreSQL when pantau runs as root")
}

func defaultDataDir() string {
	if d := os.Getenv("PANTAU_DATA_DIR"); d != "" {
		return d
	}
	// root's home is closed to the unprivileged user that runs PostgreSQL.
	if os.Geteuid() == 0 {
		return "/var/lib/pantau"
	}
	if home, err := os.UserHomeDir(); err == nil {
		return filepath.Join(home, ".local", "share", "pantau")
	}
	return ".pantau"
}

// open connects to the configured database, starting the private cluster
// (and creating its pantau database) when no URL is given.
func (d *dbFlags) open(ctx context.Context, log *slog.Logger) (*postgres.Store, error) {
	url := d.url
	if url == "" {
		c, err := pgrun.Start(ctx, pgrun.Config{Dir: filepath.Join(d.dataDir, "postgres"), RunAs: d.runAs})
		if err != nil {
			return nil, fmt.Errorf("start private PostgreSQL (or set DATABASE_URL): %w", err)
		}
		if err := postgres.EnsureDatabase(ctx, c.URL("postgres"), "pantau"); err != nil {
			return nil, fmt.Errorf("private PostgreSQL: %w", err)
		}
		url = c.URL("pantau")
		log.Info("using private PostgreSQL", "dir", filepath.Join(d.dataDir, "postgres"), "port", c.Port())
	}
	return postgres.Open(ctx, url)
}

// newLogger returns a text or JSON slog logger on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, errors.New("-log-format: must be text or json")
}
