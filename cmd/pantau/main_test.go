package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api/pgtest"
)

// pantau runs the command with args against url and returns its output.
func pantau(t *testing.T, url string, args ...string) (string, error) {
	t.Helper()
	t.Setenv("DATABASE_URL", url)
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestImportRegionsIsIdempotent(t *testing.T) {
	url := pgtest.URL(t)
	for range 2 {
		out, err := pantau(t, url, "import", "regions")
		if err != nil {
			t.Fatalf("import: %v\n%s", err, out)
		}
		if !strings.Contains(out, "552/552 rows (100%)") || !strings.Contains(out, "imported 38 provinces and 514 kota/kabupaten") {
			t.Fatalf("no progress or totals in:\n%s", out)
		}
	}
	out, err := pantau(t, url, "admin", "list-targets")
	if err != nil || !strings.Contains(out, "ID") {
		t.Fatalf("list-targets: %v\n%s", err, out)
	}
}

func TestAdminRegistersProbeAndPrintsTokenOnce(t *testing.T) {
	url := pgtest.URL(t)
	if out, err := pantau(t, url, "import", "regions"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err := pantau(t, url, "admin", "add-target", "-office", "73.71", "-name", "siak-pusat", "-kind", "central", "-check", "http", "-address", "https://siak.example/health")
	if err != nil || !strings.Contains(out, `"siak-pusat" added to office 73.71`) {
		t.Fatalf("add-target: %v\n%s", err, out)
	}
	_, err = pantau(t, url, "admin", "add-target", "-office", "73.71", "-name", "x", "-kind", "satellite", "-address", "a:1")
	if err == nil || !strings.Contains(err.Error(), "kind") {
		t.Fatalf("bad kind accepted or error does not name the field: %v", err)
	}
	out, err = pantau(t, url, "admin", "add-probe", "-office", "73.71")
	if err != nil || !strings.Contains(out, "pt_73.71_1_") {
		t.Fatalf("add-probe: %v\n%s", err, out)
	}
	out, err = pantau(t, url, "admin", "list-probes")
	if err != nil || strings.Contains(out, "pt_73.71_") || !strings.Contains(out, "kantor-utama") {
		t.Fatalf("list-probes shows a token or misses the probe: %v\n%s", err, out)
	}
	if out, err = pantau(t, url, "admin", "revoke-probe", "-office", "73.71", "-id", "1"); err != nil {
		t.Fatalf("revoke: %v\n%s", err, out)
	}
	if out, _ = pantau(t, url, "admin", "list-probes"); !strings.Contains(out, "revoked") {
		t.Fatalf("probe not shown revoked:\n%s", out)
	}
}

func TestMigrateStatusDownUp(t *testing.T) {
	url := pgtest.URL(t)
	out, err := pantau(t, url, "migrate", "status")
	if err != nil || !strings.Contains(out, "00001_spine.sql") || strings.Contains(out, "pending") {
		t.Fatalf("status: %v\n%s", err, out)
	}
	if out, err = pantau(t, url, "migrate", "down"); err != nil || !strings.Contains(out, "rolled back") {
		t.Fatalf("down: %v\n%s", err, out)
	}
	if out, _ = pantau(t, url, "migrate", "status"); !strings.Contains(out, "pending") {
		t.Fatalf("nothing pending after down:\n%s", out)
	}
	if out, err = pantau(t, url, "migrate", "up"); err != nil || !strings.Contains(out, "applied") {
		t.Fatalf("up: %v\n%s", err, out)
	}
	if _, err = pantau(t, url, "migrate", "sideways"); err == nil {
		t.Fatal("unknown action accepted")
	}
}

func TestEveryCommandExplainsItself(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"serve", "-h"}, {"demo", "-h"}, {"migrate", "-h"}, {"import", "-h"}, {"admin", "-h"}, {"admin", "add-target", "-h"}} {
		out, _ := pantau(t, "", args...)
		if !strings.Contains(strings.ToLower(out), "usage") {
			t.Errorf("pantau %s: no usage text:\n%s", strings.Join(args, " "), out)
		}
	}
}

func TestAdminMaintenanceWindows(t *testing.T) {
	url := pgtest.URL(t)
	if out, err := pantau(t, url, "import", "regions"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	out, err := pantau(t, url, "admin", "add-maintenance", "-province", "73", "-start", "2021-09-04 20:00", "-end", "2021-09-05 06:00", "-tz", "Asia/Makassar", "-reason", "migrasi server")
	if err != nil || !strings.Contains(out, "2021-09-04T12:00:00Z") {
		t.Fatalf("add-maintenance (20:00 WITA is 12:00 UTC): %v\n%s", err, out)
	}
	if _, err := pantau(t, url, "admin", "add-maintenance", "-office", "73.71", "-start", "2021-09-05 06:00", "-end", "2021-09-04 20:00"); err == nil {
		t.Fatal("a window ending before it starts was accepted")
	}
	out, err = pantau(t, url, "admin", "list-maintenance", "-office", "73.71")
	if err != nil || !strings.Contains(out, "migrasi server") {
		t.Fatalf("the province window should cover its office: %v\n%s", err, out)
	}
	if out, err = pantau(t, url, "admin", "delete-maintenance", "-id", "1"); err != nil {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	if out, _ = pantau(t, url, "admin", "list-maintenance"); strings.Contains(out, "migrasi") {
		t.Fatalf("window still listed:\n%s", out)
	}
}
