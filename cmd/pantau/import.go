package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, "Usage: pantau import <kind> [flags] [FILE]\n\n"+
			"  regions   load provinces and kota/kabupaten (wilayah-provinsi.csv, wilayah-kabkota.csv)\n"+
			"  intake    an office's daily intake by document type from CSV (-office 73.71 FILE)\n"+
			"  holidays  public holidays and collective leave from a file\n\n"+
			"Every import is all or nothing; errors name the line and column.\nRun 'pantau import <kind> -h' for its flags.\n")
		return nil
	}
	switch args[0] {
	case "regions":
		return runImportRegions(ctx, args[1:], stdout, stderr)
	case "intake":
		return runImportIntake(ctx, args[1:], stdout, stderr)
	case "holidays":
		return runImportHolidays(ctx, args[1:], stdout, stderr)
	}
	return fmt.Errorf("import: unknown kind %q (want regions, intake or holidays)", args[0])
}

func runImportRegions(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("import regions", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var db dbFlags
	db.register(fl)
	dir := fl.String("dir", "", "folder with wilayah-provinsi.csv and wilayah-kabkota.csv (default: the copy built into pantau)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	var src fs.FS = regions.Embedded()
	if *dir != "" {
		src = os.DirFS(*dir)
	}
	provinces, offices, err := regions.Load(src)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "read %d provinces and %d kota/kabupaten\n", len(provinces), len(offices))
	store, err := db.open(ctx, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	return importRegions(ctx, store, provinces, offices, stdout)
}

// importRegions upserts the regions in one transaction, printing progress.
func importRegions(ctx context.Context, store *postgres.Store, provinces []api.Province, offices []api.Office, out io.Writer) error {
	done := 0
	err := store.UpsertRegions(ctx, provinces, offices, func(n, total int) {
		done += n
		fmt.Fprintf(out, "  %3d/%d rows (%d%%)\n", done, total, done*100/total)
	})
	if err != nil {
		return fmt.Errorf("import regions (nothing was written): %w", err)
	}
	fmt.Fprintf(out, "imported %d provinces and %d kota/kabupaten\n", len(provinces), len(offices))
	return nil
}
