package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var db dbFlags
	db.register(fs)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: pantau migrate [flags] up|down|status\n\n  up      apply every pending migration\n  down    roll back the newest migration\n  status  list migrations and whether each is applied\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("migrate: want exactly one of up, down, status")
	}
	store, err := db.open(ctx, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	p, sqlDB, err := store.Migrations()
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	switch fs.Arg(0) {
	case "up":
		res, err := p.Up(ctx)
		for _, r := range res {
			fmt.Fprintf(stdout, "applied %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
		}
		if err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		if len(res) == 0 {
			fmt.Fprintln(stdout, "database is up to date")
		}
	case "down":
		r, err := p.Down(ctx)
		if err != nil {
			return fmt.Errorf("migrate down: %w", err)
		}
		fmt.Fprintf(stdout, "rolled back %s\n", r.Source.Path)
	case "status":
		st, err := p.Status(ctx)
		if err != nil {
			return fmt.Errorf("migrate status: %w", err)
		}
		for _, s := range st {
			when := "pending"
			if s.State == "applied" {
				when = "applied " + s.AppliedAt.Format("2006-01-02 15:04:05Z07:00")
			}
			fmt.Fprintf(stdout, "%-40s %s\n", s.Source.Path, when)
		}
	default:
		fs.Usage()
		return fmt.Errorf("migrate: unknown action %q (want up, down or status)", fs.Arg(0))
	}
	return nil
}
