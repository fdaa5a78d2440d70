package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// parseLocalTime reads "2006-01-02 15:04" in zone tz, or RFC 3339.
func parseLocalTime(field, s, tz string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	loc, err := calendar.LoadZone(tz)
	if err != nil {
		return time.Time{}, fmt.Errorf("-tz: %w", err)
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("-%s: %q is neither \"2006-01-02 15:04\" nor RFC 3339", field, s)
	}
	return t, nil
}

func adminAddMaintenance(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "one office, e.g. 73.71")
	province := fs.String("province", "", "every office of a province, e.g. 73")
	national := fs.Bool("national", false, "every office")
	start := fs.String("start", "", `start, "2026-12-05 22:00" in -tz or RFC 3339 (required)`)
	end := fs.String("end", "", `end, same forms (required)`)
	tz := fs.String("tz", "Asia/Jakarta", "zone of -start and -end when they carry none (WIB Asia/Jakarta, WITA Asia/Makassar, WIT Asia/Jayapura)")
	reason := fs.String("reason", "", "why, shown on timelines (e.g. migrasi server pusat)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	m := api.MaintenanceWindow{Reason: *reason}
	switch {
	case *national:
		m.Scope = "national"
	case *province != "":
		m.Scope, m.ProvinceCode = "province", *province
	case *office != "":
		m.Scope, m.OfficeCode = "office", *office
	default:
		return fmt.Errorf("name a scope: -office, -province or -national")
	}
	if m.StartsAt, err = parseLocalTime("start", *start, *tz); err != nil {
		return err
	}
	if m.EndsAt, err = parseLocalTime("end", *end, *tz); err != nil {
		return err
	}
	m, err = store.CreateMaintenance(ctx, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "maintenance window %d (%s %s%s) from %s to %s\n", m.ID, m.Scope, m.OfficeCode, m.ProvinceCode,
		m.StartsAt.UTC().Format(time.RFC3339), m.EndsAt.UTC().Format(time.RFC3339))
	return nil
}

func adminListMaintenance(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "windows that cover this office")
	province := fs.String("province", "", "windows that cover this province")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	ws, err := store.MaintenanceWindows(ctx, api.MaintenanceFilter{OfficeCode: *office, ProvinceCode: *province})
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tSCOPE\tWHERE\tSTART\tEND\tREASON")
	for _, m := range ws {
		fmt.Fprintf(w, "%d\t%s\t%s%s\t%s\t%s\t%s\n", m.ID, m.Scope, m.OfficeCode, m.ProvinceCode,
			m.StartsAt.UTC().Format(time.RFC3339), m.EndsAt.UTC().Format(time.RFC3339), m.Reason)
	}
	return w.Flush()
}

func adminDeleteMaintenance(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	id := fs.String("id", "", "window id (required)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil {
		return fmt.Errorf("-id: %q is not a window id", *id)
	}
	if err := store.DeleteMaintenance(ctx, n); err != nil {
		return err
	}
	fmt.Fprintf(out, "maintenance window %d deleted\n", n)
	return nil
}
