package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report/calendar"
)

func TestImportHolidaysAndIntakeAreAllOrNothing(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var out, errOut bytes.Buffer
	if err := runImportRegions(ctx, []string{"-database", url}, &out, &errOut); err != nil {
		t.Fatalf("regions: %v\n%s", err, errOut.String())
	}
	bad := write("bad-holidays.csv", "2020-01-01,libur,Tahun Baru\n2020-02-30,libur,Tidak Ada\n")
	if err := runImportHolidays(ctx, []string{"-database", url, bad}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("bad holidays: %v", err)
	}
	good := write("holidays.csv", "date,kind,name\n2020-01-01,libur,Tahun Baru\n2020-01-25,libur,Imlek\n")
	out.Reset()
	if err := runImportHolidays(ctx, []string{"-database", url, good}, &out, &errOut); err != nil {
		t.Fatalf("holidays: %v", err)
	}
	if !strings.Contains(out.String(), "1/1 years") || !strings.Contains(out.String(), "imported 2 dates") {
		t.Fatalf("holidays output:\n%s", out.String())
	}
	// Line 3 is a holiday imported above, line 4 an unknown type: nothing written.
	intake := write("intake.csv", "date,type,received,completed\n2020-01-08,KK,35,\n2020-01-25,KK,3,\n2020-01-08,XX,1,\n")
	errOut.Reset()
	err := runImportIntake(ctx, []string{"-database", url, "-office", "73.71", intake}, &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "line 3, column 1 (date)") || !strings.Contains(errOut.String(), "line 4, column 2 (type)") {
		t.Fatalf("bad intake: %v\n%s", err, errOut.String())
	}
	store, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if rows, _ := store.Intake(ctx, "73.71", calendar.D(2020, 1, 1), calendar.D(2020, 1, 31)); len(rows) != 0 {
		t.Fatalf("a refused file wrote %+v", rows)
	}
	good = write("intake-good.csv", "2020-01-08,KK,35,20\n2020-01-09,KK,36,\n")
	out.Reset()
	if err := runImportIntake(ctx, []string{"-database", url, "-office", "73.71", good}, &out, &errOut); err != nil {
		t.Fatalf("intake: %v\n%s", err, errOut.String())
	}
	rows, err := store.Intake(ctx, "73.71", calendar.D(2020, 1, 1), calendar.D(2020, 1, 31))
	if err != nil || len(rows) != 2 || rows[0].Completed == nil || *rows[0].Completed != 20 || rows[1].Received != 36 {
		t.Fatalf("intake rows %+v %v", rows, err)
	}
	if !strings.Contains(out.String(), "2/2 rows (100%)") {
		t.Fatalf("intake output:\n%s", out.String())
	}
}
