package server_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/pgtest"
)

// incidentFixture adds Kendari (province 74) to the web fixture and three
// incidents: a province one in Sulawesi Selatan (Makassar, then Parepare,
// still open; acknowledged in Slack), one of Kendari alone, and a national
// one over Makassar, Kendari and Majene.
type incidentFixture struct {
	*webFixture
	sulsel, kendari, national int64
}

func newIncidentFixture(t *testing.T) incidentFixture {
	t.Helper()
	f := incidentFixture{webFixture: newWebFixture(t)}
	pgtest.Kendari(t, f.store)
	ctx := context.Background()
	now := f.now
	add := func(start time.Time, end *time.Time, scope, province string, peak, monitored int, offices map[string][2]*time.Time) int64 {
		t.Helper()
		var id int64
		err := f.store.Pool().QueryRow(ctx, `INSERT INTO incidents (started_at, ended_at, scope, province_code, peak_offices, monitored_offices)
			VALUES ($1, $2, $3, nullif($4, ''), $5, $6) RETURNING id`, start, end, scope, province, peak, monitored).Scan(&id)
		if err != nil {
			t.Fatal(err)
		}
		for code, se := range offices {
			if _, err := f.store.Pool().Exec(ctx, `INSERT INTO incident_offices (office_code, incident_id, started_at, ended_at) VALUES ($1, $2, $3, $4)`,
				code, id, *se[0], se[1]); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	f.sulsel = add(*at(-3 * time.Hour), nil, "province", "73", 2, 2, map[string][2]*time.Time{
		"73.71": {at(-3 * time.Hour), at(-1 * time.Hour)},
		"73.72": {at(-150 * time.Minute), nil},
	})
	f.kendari = add(*at(-48 * time.Hour), at(-40*time.Hour), "office", "74", 1, 1, map[string][2]*time.Time{
		"74.71": {at(-48 * time.Hour), at(-40 * time.Hour)},
	})
	f.national = add(*at(-30 * time.Hour), at(-20*time.Hour), "national", "", 3, 4, map[string][2]*time.Time{
		"73.71": {at(-30 * time.Hour), at(-20 * time.Hour)},
		"74.71": {at(-29 * time.Hour), at(-21 * time.Hour)},
		"76.01": {at(-28 * time.Hour), at(-22 * time.Hour)},
	})
	// Makassar's central outage of the province incident, so the office
	// page links to it.
	var central int64
	if err := f.store.Pool().QueryRow(ctx, `SELECT id FROM targets WHERE office_code = '73.71' AND kind = 'central'`).Scan(&central); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
		VALUES ('73.71', 1, $1, $2, $3, 'down', 'recovery', 'central', 'central')`, central, *at(-3 * time.Hour), *at(-1 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Pool().Exec(ctx, `INSERT INTO escalation_incidents (office_code, incident_id, scope, cause, offices, started_at, first_seen_at, acked_at, acked_by, acked_name)
		VALUES ('73.71', $1, 'province', 'central', '[]', $2, $2, $3, 'U0KEPALA', 'Bu Kepala Dinas')`, f.sulsel, *at(-3 * time.Hour), *at(-2 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	return f
}

func incidentPath(id int64) string { return "/incidents/" + strconv.FormatInt(id, 10) }

// TestIncidentPageShowsTheIncidentInTheViewersZone: cause, scope, times in
// the viewer's zone, offices joining and leaving, and who acknowledged it in
// Slack (display name, not Slack ID).
func TestIncidentPageShowsTheIncidentInTheViewersZone(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	resp, body := f.do(t, "prov73", "GET", incidentPath(f.sulsel), nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %.300s", resp.StatusCode, body)
	}
	// The fixture's clock is 1 December 2026 08.00 UTC = 16.00 WITA.
	for _, want := range []string{
		"Insiden #" + strconv.FormatInt(f.sulsel, 10), "Insiden berlangsung", "pusat", "provinsi",
		"1 Desember 2026 13.00 WITA", // start
		"Bu Kepala Dinas",            // who acknowledged, by name
		"1 Desember 2026 14.00 WITA", // when
		"Kota Makassar", "Kota Parepare", "terputus", "pulih",
		"3 jam", // duration so far
		`id="chart_incident"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	if strings.Contains(body, "U0KEPALA") {
		t.Errorf("incident page shows the Slack ID instead of the name")
	}
	// The chronology: Makassar down, Parepare down, Makassar back.
	events := body[strings.Index(body, `id="incident-events"`):]
	mks, pp := strings.Index(events, "Kota Makassar"), strings.Index(events, "Kota Parepare")
	if mks < 0 || pp < 0 || mks > pp || strings.Count(events, "Kota Makassar") != 2 {
		t.Errorf("chronology out of order or incomplete")
	}
	// A national operator reads it in WIB.
	_, body = f.do(t, "national", "GET", incidentPath(f.sulsel), nil, false)
	if !strings.Contains(body, "1 Desember 2026 12.00 WIB") {
		t.Errorf("national operator's page not in WIB")
	}
	// English on request.
	_, body = f.do(t, "prov73", "GET", incidentPath(f.sulsel)+"?lang=en", nil, false)
	if !strings.Contains(body, "Acknowledged by Bu Kepala Dinas") || !strings.Contains(body, "central") {
		t.Errorf("English incident page lacks the acknowledgement or cause")
	}
}

// TestIncidentPageKeepsToTheViewersScope is the hostile user: another
// province's or office's incident is 404 naming nothing; a national incident
// lists only the viewer's offices; unknown ids are 404, bad ids 400 naming
// the field, on the page and the JSON alike.
func TestIncidentPageKeepsToTheViewersScope(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	kdi := incidentPath(f.kendari)
	for _, user := range []string{"staff71", "city71", "city72", "prov73", "prov76"} {
		for _, path := range []string{kdi, "/api/v1" + kdi} {
			resp, body := f.do(t, user, "GET", path, nil, false)
			if resp.StatusCode != http.StatusNotFound || strings.Contains(body, "Kendari") || strings.Contains(body, "74.71") {
				t.Errorf("%s GET %s: %d, want 404 naming nothing; body %.200s", user, path, resp.StatusCode, body)
			}
		}
	}
	for _, user := range []string{"national", "admin"} {
		if resp, _ := f.do(t, user, "GET", kdi, nil, false); resp.StatusCode != http.StatusOK {
			t.Errorf("%s: Kendari's incident %d, want 200", user, resp.StatusCode)
		}
	}
	// Parepare's staff may not see Makassar's part of the province incident.
	_, body := f.do(t, "city72", "GET", incidentPath(f.sulsel), nil, false)
	if offices := body[strings.Index(body, `id="incident-offices"`):]; strings.Contains(offices, "Kota Makassar") || !strings.Contains(offices, "Kota Parepare") {
		t.Errorf("city72 sees another office's part of the incident")
	}
	// The national incident, seen from Makassar: only Makassar, and a note.
	resp, body := f.do(t, "staff71", "GET", incidentPath(f.national), nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("staff71 national incident: %d", resp.StatusCode)
	}
	for _, secret := range []string{"Kendari", "Majene", "74.71", "76.01"} {
		if strings.Contains(body, secret) {
			t.Errorf("staff71 sees %q on the national incident", secret)
		}
	}
	if !strings.Contains(body, `id="incident-partial"`) || !strings.Contains(body, "nasional") {
		t.Errorf("national incident from one office: no partial note or scope")
	}
	for _, tc := range []struct {
		path  string
		want  int
		field bool
	}{
		{"/incidents/999999", http.StatusNotFound, false},
		{"/api/v1/incidents/999999", http.StatusNotFound, false},
		{"/incidents/abc", http.StatusBadRequest, true},
		{"/incidents/0", http.StatusBadRequest, true},
		{"/incidents/-3", http.StatusBadRequest, true},
		{"/incidents/99999999999999999999", http.StatusBadRequest, true},
		{"/api/v1/incidents/abc", http.StatusBadRequest, true},
	} {
		for _, user := range []string{"staff71", "admin"} {
			resp, body := f.do(t, user, "GET", tc.path, nil, false)
			if resp.StatusCode != tc.want {
				t.Errorf("%s GET %s: %d, want %d", user, tc.path, resp.StatusCode, tc.want)
			}
			if tc.field && !strings.Contains(body, "id") {
				t.Errorf("%s GET %s: the refusal does not name the field: %.200s", user, tc.path, body)
			}
		}
	}
	if resp, _ := f.do(t, "", "GET", incidentPath(f.sulsel), nil, false); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("anonymous: %d, want a redirect to the login", resp.StatusCode)
	}
}

// TestIncidentsAreLinked: the office page's outage, the province and
// national incident tables and the board (open incidents in scope) link to
// the incident page; another province's board does not.
func TestIncidentsAreLinked(t *testing.T) {
	t.Parallel()
	f := newIncidentFixture(t)
	link := `href="` + incidentPath(f.sulsel) + `"`
	for _, tc := range []struct{ user, path string }{
		{"staff71", "/offices/73.71"}, {"prov73", "/provinces/73"}, {"national", "/national"},
		{"staff71", "/"}, {"city72", "/"}, {"prov73", "/"}, {"admin", "/"},
	} {
		resp, body := f.do(t, tc.user, "GET", tc.path, nil, false)
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, link) {
			t.Errorf("%s %s: %d, link to the incident present: %v", tc.user, tc.path, resp.StatusCode, strings.Contains(body, link))
		}
	}
	if _, body := f.do(t, "prov76", "GET", "/", nil, false); strings.Contains(body, link) || strings.Contains(body, `id="board-incidents"`) {
		t.Errorf("Sulawesi Barat's board lists Sulawesi Selatan's incident")
	}
	// Parepare's board names Parepare only, not Makassar's part.
	if _, body := f.do(t, "city72", "GET", "/", nil, false); strings.Contains(body[strings.Index(body, `id="board-incidents"`):], "Kota Makassar") {
		t.Errorf("city72's board names Makassar in the incident")
	}
}
