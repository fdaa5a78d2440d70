package server_test

import (
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// A maintenance window is entered and listed in the office's zone: 08:00
// for a WITA office is 08.00 WITA on the admin page, not 07.00 WIB; a
// national window is entered and listed in WIB.
func TestMaintenanceInOfficeZone(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	resp, body := f.do(t, "admin", http.MethodPost, "/admin/maintenance", url.Values{
		"scope": {"office"}, "ref": {"73.71"}, "starts_at": {"2026-12-05T08:00"}, "ends_at": {"2026-12-05T12:00"}, "reason": {"migrasi"}}, false)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add office window: %d %.300s", resp.StatusCode, body)
	}
	if want := "5 Desember 2026 08.00 WITA sampai 5 Desember 2026 12.00 WITA"; !strings.Contains(body, want) {
		t.Errorf("the notice lacks %q: %s", want, notice(body))
	}
	resp, body = f.do(t, "admin", http.MethodPost, "/admin/maintenance", url.Values{
		"scope": {"national"}, "starts_at": {"2026-12-06T08:00"}, "ends_at": {"2026-12-06T09:00"}, "reason": {"pusat"}}, false)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("add national window: %d %.300s", resp.StatusCode, body)
	}
	_, page := f.do(t, "admin", http.MethodGet, "/admin", nil, false)
	table := regexp.MustCompile(`(?s)<table class="list" id="maintenance">.*?</table>`).FindString(page)
	for _, want := range []string{"5 Desember 2026 08.00 WITA", "5 Desember 2026 12.00 WITA", "6 Desember 2026 08.00 WIB"} {
		if !strings.Contains(table, want) {
			t.Errorf("maintenance list lacks %q:\n%s", want, table)
		}
	}
	if strings.Contains(table, "07.00 WIB") {
		t.Errorf("the WITA window is listed in WIB:\n%s", table)
	}
}

// Pages about no one place (board, monthly list, admin, errors) are written
// in the viewer's own region's zone, header and footer included; an
// office's pages in the office's.
func TestPagesInViewerZone(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	footer := regexp.MustCompile(`(?s)<footer class="foot">(.*?)</footer>`)
	cases := []struct {
		user, path, zone, other string
	}{
		{"prov73", "/", "WITA", "WIB"},
		{"staff71", "/", "WITA", "WIB"},
		{"staff71", "/reports/monthly", "WITA", "WIB"},
		{"national", "/", "WIB", "WITA"},
		{"national", "/offices/73.71", "WITA", "WIB"},
		{"admin", "/admin", "WIB", "WITA"},
		{"prov73", "/national", "WITA", "WIB"}, // refused: the error page too
	}
	for _, tc := range cases {
		_, body := f.do(t, tc.user, http.MethodGet, tc.path, nil, false)
		m := footer.FindStringSubmatch(body)
		if m == nil {
			t.Errorf("%s %s: no footer", tc.user, tc.path)
			continue
		}
		if !strings.Contains(m[1], tc.zone) || strings.Contains(m[1], tc.other) {
			t.Errorf("%s %s: footer %q, want it in %s", tc.user, tc.path, m[1], tc.zone)
		}
		if tc.path == "/" {
			up := regexp.MustCompile(`id="board-updated">([^<]*)<`).FindStringSubmatch(body)
			if up == nil || !strings.HasSuffix(up[1], " "+tc.zone) {
				t.Errorf("%s board: updated %q, want in %s", tc.user, up, tc.zone)
			}
		}
	}
}

// englishWords are English words that must not reach an Indonesian page's
// visible text (issue 12: the admin page was half English).
var englishWords = []string{"the", "and", "of", "to", "revoke", "revoked", "name", "kind", "check", "address", "agent", "once",
	"staff", "cap", "meal", "updated", "download", "print", "office", "province", "state", "since", "last", "never", "ago",
	"save", "add", "delete", "users", "probes", "targets", "maintenance", "report", "outage", "outages", "backlog",
	"overtime", "availability", "hours", "forecast", "settings", "search", "filter", "none", "unknown", "down", "up", "week", "day", "days"}

// TestPagesHaveNoEnglish reads every page each role opens, in Indonesian,
// and finds no English word in its visible text.
func TestPagesHaveNoEnglish(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	deny := map[string]bool{}
	for _, w := range englishWords {
		deny[w] = true
	}
	hidden := regexp.MustCompile(`(?is)<(script|style|title)[^>]*>.*?</(script|style|title)>|<[^>]+>`)
	split := regexp.MustCompile(`[^\p{L}\p{N}@._-]+`)
	paths := []string{"/", "/offices/73.71", "/offices/73.71/settings", "/reports/offices/73.71", "/provinces/73", "/reports/provinces/73",
		"/national", "/admin", "/reports/monthly", "/status/73.71", "/login", "/no-such-page"}
	for _, user := range []string{"", "staff71", "city71", "prov73", "national", "admin"} {
		for _, path := range paths {
			resp, body := f.do(t, user, http.MethodGet, path, nil, false)
			if resp.StatusCode/100 == 3 {
				continue
			}
			found := map[string]bool{}
			for _, w := range split.Split(hidden.ReplaceAllString(body, " "), -1) {
				if deny[strings.ToLower(w)] {
					found[w] = true
				}
			}
			if len(found) > 0 {
				words := make([]string, 0, len(found))
				for w := range found {
					words = append(words, w)
				}
				sort.Strings(words)
				t.Errorf("%s %s (%d) shows English: %v", user, path, resp.StatusCode, words)
			}
		}
	}
}

// notice is the admin page's message, for a failure's text.
func notice(body string) string {
	return regexp.MustCompile(`id="admin-message"[^>]*>([^<]*)<`).FindString(body)
}
