package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report/calendar"
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

// runImportIntake is `pantau import intake -office CODE FILE.csv`: one
// office's intake per date and document type (date,type,received[,completed],
// see api/reportdata), checked against the office's catalogue and calendar,
// written all or nothing with progress.
func runImportIntake(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("import intake", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var db dbFlags
	db.register(fl)
	office := fl.String("office", "", "office code, e.g. 73.71 (required)")
	fl.Usage = func() {
		fmt.Fprint(stderr, "Usage: pantau import intake -office CODE [flags] FILE.csv\n\n"+
			"FILE has the columns date,type,received[,completed] (a header is optional); dates are the\n"+
			"office's own. Every error is listed with its line and column, and then nothing is written.\n\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if *office == "" || fl.NArg() != 1 {
		fl.Usage()
		return errors.New("import intake: want -office CODE and one FILE")
	}
	f, err := os.Open(fl.Arg(0))
	if err != nil {
		return fmt.Errorf("import intake: %w", err)
	}
	defer f.Close()
	store, err := openMigrated(ctx, &db, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	o, err := store.Office(ctx, *office)
	if err != nil {
		return fmt.Errorf("import intake: %w", err)
	}
	b := reportdata.New(store, nil)
	rows, err := b.ReadIntakeCSV(ctx, o, f)
	var csvErrs reportdata.CSVErrors
	if errors.As(err, &csvErrs) {
		for _, e := range csvErrs.List {
			fmt.Fprintf(stderr, "%s: %s\n", fl.Arg(0), e)
		}
		if n := csvErrs.Total - len(csvErrs.List); n > 0 {
			fmt.Fprintf(stderr, "%s: … and %d more\n", fl.Arg(0), n)
		}
		return fmt.Errorf("import intake: %d errors in %s, nothing was written", csvErrs.Total, fl.Arg(0))
	}
	if err != nil {
		return fmt.Errorf("import intake: %w", err)
	}
	fmt.Fprintf(stdout, "read %d rows for %s (%s)\n", len(rows), o.Code, o.Name)
	err = store.UpsertIntake(ctx, o.Code, rows, 0, time.Now(), func(done, total int) {
		fmt.Fprintf(stdout, "  %d/%d rows (%d%%)\n", done, total, done*100/total)
	})
	if err != nil {
		return fmt.Errorf("import intake (nothing was written): %w", err)
	}
	fmt.Fprintf(stdout, "imported %d rows of intake for %s\n", len(rows), o.Code)
	return nil
}

// runImportHolidays is `pantau import holidays FILE`: national public
// holidays and collective leave (date,kind,name; calendar.LoadHolidays),
// each year in the file replacing that year's dates, all or nothing.
func runImportHolidays(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("import holidays", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var db dbFlags
	db.register(fl)
	fl.Usage = func() {
		fmt.Fprint(stderr, "Usage: pantau import holidays [flags] FILE\n\n"+
			"FILE has one date a line: 2020-01-01,libur,Tahun Baru 2020 Masehi (kind libur or cuti).\n"+
			"Each year in the file replaces that year's holidays; a bad line writes nothing.\n\n")
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 1 {
		fl.Usage()
		return errors.New("import holidays: want one FILE")
	}
	f, err := os.Open(fl.Arg(0))
	if err != nil {
		return fmt.Errorf("import holidays: %w", err)
	}
	defer f.Close()
	hs, err := calendar.LoadHolidays(f)
	if err != nil {
		return fmt.Errorf("import holidays: %s (nothing was written): %w", fl.Arg(0), err)
	}
	fmt.Fprintf(stdout, "read %d dates\n", len(hs))
	store, err := openMigrated(ctx, &db, slog.New(slog.NewTextHandler(stderr, nil)))
	if err != nil {
		return err
	}
	defer store.Close()
	years, err := store.ImportHolidays(ctx, hs, func(done, total int) {
		fmt.Fprintf(stdout, "  %d/%d years\n", done, total)
	})
	if err != nil {
		return fmt.Errorf("import holidays (nothing was written): %w", err)
	}
	fmt.Fprintf(stdout, "imported %d dates, replacing the years %v\n", len(hs), years)
	return nil
}

// openMigrated opens the store and applies pending migrations, as the
// regions import does.
func openMigrated(ctx context.Context, db *dbFlags, log *slog.Logger) (*postgres.Store, error) {
	store, err := db.open(ctx, log)
	if err != nil {
		return nil, err
	}
	if err := store.Migrate(ctx); err != nil {
		store.Close()
		return nil, err
	}
	return store, nil
}
