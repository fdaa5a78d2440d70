package server_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/report"
)

// TestOfficeClosuresCloseTheOffice: office staff set a regional holiday on
// Wednesday 2 December 2026; the office's report then treats that day as
// closed (no working hours, named), and removing it opens the day again.
func TestOfficeClosuresCloseTheOffice(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	body := []byte(`{"kind": "daerah", "name": "Hari Jadi Kota Makassar"}`)
	if status, b := apiDo(t, f, "staff71", "PUT", "/api/v1/offices/73.71/closures/2026-12-02", "application/json", body); status != http.StatusOK {
		t.Fatalf("put: %d %s", status, b)
	}
	if status, b := apiDo(t, f, "staff71", "PUT", "/api/v1/offices/73.71/closures/2026-12-03", "application/json", []byte(`{"kind": "libur", "name": "x"}`)); status != http.StatusBadRequest || !strings.Contains(string(b), "kind") {
		t.Fatalf("a national kind: %d %s, want 400 naming kind", status, b)
	}
	status, b := apiDo(t, f, "city71", "GET", "/api/v1/offices/73.71/closures?year=2026", "", nil)
	if status != http.StatusOK || !strings.Contains(string(b), `"date":"2026-12-02","kind":"daerah","name":"Hari Jadi Kota Makassar"`) {
		t.Fatalf("get: %d %s", status, b)
	}
	day := func() report.Day {
		var got struct{ Report report.Report }
		getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2026-11-30&to=2026-12-04", &got)
		for _, d := range got.Report.Days {
			if d.Date.Day == 2 {
				return d
			}
		}
		t.Fatal("no 2 December in the report")
		return report.Day{}
	}
	if d := day(); d.Working || d.Holiday != "Hari Jadi Kota Makassar" {
		t.Fatalf("2 December with the closure: %+v", d)
	}
	if status, b := apiDo(t, f, "staff71", "DELETE", "/api/v1/offices/73.71/closures/2026-12-02", "", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, b)
	}
	if d := day(); !d.Working || d.Holiday != "" {
		t.Fatalf("2 December without it: %+v", d)
	}
	var list struct{ Closures []json.RawMessage }
	getJSON(t, f, "city71", "/api/v1/offices/73.71/closures?year=2026", &list)
	if len(list.Closures) != 0 {
		t.Fatalf("closures left: %s", list.Closures)
	}
}
