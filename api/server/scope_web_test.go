package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/webui"
)

// allUsers are the fixture's users; "" is anonymous.
var allUsers = []string{"", "staff71", "staff72", "city71", "city72", "prov73", "prov76", "national", "admin"}

// expect gives one status per user in allUsers order.
type expect [9]int

const (
	ok   = http.StatusOK
	see  = http.StatusSeeOther // anonymous page request: to the login form
	no   = http.StatusForbidden
	nf   = http.StatusNotFound
	unau = http.StatusUnauthorized
	crt  = http.StatusCreated
	bad  = http.StatusBadRequest
)

// TestScopeOfEveryRoute is the table of role × route × status: a user out
// of scope gets 404 (it may not learn the office exists) or 403 (its role
// may never open the page), never data.
func TestScopeOfEveryRoute(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	if _, err := f.server.MonthlyReports(webui.MonthlyConfig{}).RunOnce(context.Background()); err != nil {
		t.Fatalf("monthly reports: %v", err)
	}
	// An incident of Makassar alone: its page is Makassar's scope.
	var incident int64
	if err := f.store.Pool().QueryRow(context.Background(), `WITH i AS (INSERT INTO incidents (started_at, scope, province_code, peak_offices, monitored_offices)
		VALUES ($1, 'office', '73', 1, 2) RETURNING id)
		INSERT INTO incident_offices (office_code, incident_id, started_at) SELECT '73.71', id, $1 FROM i RETURNING incident_id`, f.now.Add(-time.Hour)).Scan(&incident); err != nil {
		t.Fatal(err)
	}
	office71 := []string{"/incidents/" + strconv.FormatInt(incident, 10), "/offices/73.71", "/reports/offices/73.71", "/reports/offices/73.71/csv", "/reports/offices/73.71/xlsx", "/reports/offices/73.71/pdf"}
	province73 := []string{"/provinces/73", "/reports/provinces/73", "/reports/provinces/73/csv", "/reports/provinces/73/xlsx", "/reports/provinces/73/pdf"}
	tests := []struct {
		method, path string
		want         expect
	}{
		//                                 anon  st71  st72  ci71  ci72  pr73  pr76  nat   admin
		{"GET", "/", expect{see, ok, ok, ok, ok, ok, ok, ok, ok}},
		{"GET", "/api/v1/board", expect{unau, ok, ok, ok, ok, ok, ok, ok, ok}},
		{"GET", "/offices/76.01", expect{see, nf, nf, nf, nf, nf, ok, ok, ok}},
		{"GET", "/offices/99.99", expect{see, nf, nf, nf, nf, nf, nf, nf, nf}},
		{"GET", "/offices/73.71/settings", expect{see, ok, nf, no, no, no, no, no, ok}},
		{"POST", "/offices/73.71/settings/letter", expect{see, see, nf, no, no, no, no, no, see}},
		{"POST", "/offices/73.71/closures", expect{see, bad, nf, no, no, no, no, no, bad}}, // no action
		{"GET", "/provinces/76", expect{see, no, no, no, no, nf, ok, ok, ok}},
		{"GET", "/national", expect{see, no, no, no, no, no, no, ok, ok}},
		{"GET", "/incidents/999999", expect{see, nf, nf, nf, nf, nf, nf, nf, nf}},
		{"GET", "/incidents/x", expect{see, bad, bad, bad, bad, bad, bad, bad, bad}},
		{"GET", "/reports/monthly", expect{see, ok, ok, ok, ok, ok, ok, ok, ok}},
		{"GET", "/reports/monthly/office/73.72/2026-11/csv", expect{see, nf, ok, nf, ok, ok, nf, ok, ok}},
		{"GET", "/reports/monthly/province/73/2026-11/xlsx", expect{see, nf, nf, nf, nf, ok, nf, ok, ok}},
		{"GET", "/admin", expect{see, no, no, no, no, no, no, no, ok}},
		{"GET", "/status/73.71", expect{ok, ok, ok, ok, ok, ok, ok, ok, ok}},
		{"GET", "/status/99.99", expect{nf, nf, nf, nf, nf, nf, nf, nf, nf}},
		{"GET", "/login", expect{ok, see, see, see, see, see, see, see, see}},
		{"GET", "/static/echarts/5.6.0/echarts.min.js", expect{ok, ok, ok, ok, ok, ok, ok, ok, ok}},
		{"GET", "/static/nope.js", expect{nf, nf, nf, nf, nf, nf, nf, nf, nf}},
		{"GET", "/static/echarts/", expect{nf, nf, nf, nf, nf, nf, nf, nf, nf}},
		{"POST", "/offices/73.71/intake", expect{see, see, nf, no, no, no, no, no, no}},
		{"POST", "/admin/probes", expect{see, no, no, no, no, no, no, no, crt}},
		{"POST", "/admin/users", expect{see, no, no, no, no, no, no, no, crt}},
		{"POST", "/admin/targets", expect{see, no, no, no, no, no, no, no, crt}},
		{"POST", "/admin/probes/revoke", expect{see, no, no, no, no, no, no, no, ok}},
		{"POST", "/admin/tokens", expect{see, no, no, no, no, no, no, no, crt}},
		{"POST", "/admin/tokens/revoke", expect{see, no, no, no, no, no, no, no, ok}},
		{"POST", "/admin/offices", expect{see, no, no, no, no, no, no, no, ok}},
		{"POST", "/admin/slack/retry", expect{see, no, no, no, no, no, no, no, nf}}, // message 1 is not given up
		{"POST", "/admin/maintenance", expect{see, no, no, no, no, no, no, no, crt}},
		{"POST", "/admin/releases", expect{see, no, no, no, no, no, no, no, bad}},         // a form, not an upload
		{"POST", "/admin/releases/rollout", expect{see, no, no, no, no, no, no, no, bad}}, // scope "office" is not a rollout's
		// The reports' and intake's JSON API (reports_api.go, intake_api.go): 401 without a session.
		{"GET", "/api/v1/offices/73.71/report", expect{unau, ok, nf, ok, nf, ok, nf, ok, ok}},
		{"GET", "/api/v1/offices/73.71/report?format=csv&table=breaches", expect{unau, ok, nf, ok, nf, ok, nf, ok, ok}},
		{"GET", "/api/v1/offices/76.01/report", expect{unau, nf, nf, nf, nf, nf, ok, ok, ok}},
		{"GET", "/api/v1/offices/99.99/report", expect{unau, nf, nf, nf, nf, nf, nf, nf, nf}},
		{"GET", "/api/v1/offices/73.71/intake", expect{unau, ok, nf, ok, nf, ok, nf, ok, ok}},
		{"GET", "/api/v1/provinces/73/report", expect{unau, no, no, no, no, ok, nf, ok, ok}},
		{"GET", "/api/v1/provinces/99/report", expect{unau, no, no, no, no, nf, nf, nf, nf}},
		{"GET", "/api/v1/national/report", expect{unau, no, no, no, no, no, no, ok, ok}},
		// A form body is not the JSON or CSV these take: 400 once role, CSRF and scope passed.
		{"PUT", "/api/v1/offices/73.71/intake", expect{unau, bad, nf, no, no, no, no, no, no}},
		{"POST", "/api/v1/offices/73.71/intake", expect{unau, bad, nf, no, no, no, no, no, no}},
		{"POST", "/api/v1/offices/73.71/intake/csv", expect{unau, bad, nf, no, no, no, no, no, no}},
		{"GET", "/api/v1/offices/73.71/settings", expect{unau, ok, nf, ok, nf, ok, nf, ok, ok}},
		{"PUT", "/api/v1/offices/73.71/settings", expect{unau, bad, nf, no, no, no, no, no, bad}},
		{"PUT", "/api/v1/offices/73.71/doc-types", expect{unau, bad, nf, no, no, no, no, no, bad}},
		{"GET", "/api/v1/holidays", expect{unau, ok, ok, ok, ok, ok, ok, ok, ok}},
		{"GET", "/api/v1/offices/73.71/closures", expect{unau, ok, nf, ok, nf, ok, nf, ok, ok}},
		{"PUT", "/api/v1/offices/73.71/closures/2020-01-09", expect{unau, bad, nf, no, no, no, no, no, bad}},
		{"DELETE", "/api/v1/offices/73.71/closures/2020-01-09", expect{unau, nf, nf, no, no, no, no, no, nf}},
	}
	for _, p := range office71 {
		tests = append(tests, struct {
			method, path string
			want         expect
		}{"GET", p, expect{see, ok, nf, ok, nf, ok, nf, ok, ok}})
	}
	for _, p := range province73 {
		tests = append(tests, struct {
			method, path string
			want         expect
		}{"GET", p, expect{see, no, no, no, no, ok, nf, ok, ok}})
	}
	checkEveryPageRouteIsInTable(t, f, tests)
	for _, tc := range tests {
		for i, user := range allUsers {
			name := user
			if name == "" {
				name = "anonymous"
			}
			t.Run(fmt.Sprintf("%s %s as %s", tc.method, tc.path, name), func(t *testing.T) {
				var form url.Values
				if tc.method == "POST" || tc.method == "PUT" || tc.method == "DELETE" {
					form = url.Values{"date": {"2026-12-01"}, "n_KK": {"5"}, "office": {"73.71"}, "name": {"p-" + name},
						"scope": {"office"}, "ref": {"73.71"}, "starts_at": {"2026-12-05T08:00"}, "ends_at": {"2026-12-05T12:00"}, "reason": {"migrasi"},
						"email": {"new-" + name + "@pantau.test"}, "role": {"city_official"}, "password": {"0123456789ab"},
						"kind": {"central"}, "check": {"tcp"}, "address": {"127.0.0.1:9"}, "id": {"1"}, "staff": {"6"}}
				}
				resp, body := f.do(t, user, tc.method, tc.path, form, false)
				if resp.StatusCode != tc.want[i] {
					t.Fatalf("status %d, want %d; body: %.300s", resp.StatusCode, tc.want[i], body)
				}
				if resp.StatusCode == see && !strings.HasPrefix(resp.Header.Get("Location"), "/") {
					t.Fatalf("redirect to %q", resp.Header.Get("Location"))
				}
				if resp.StatusCode == nf || resp.StatusCode == no {
					for _, secret := range []string{"Kabupaten Majene", "Kota Parepare"} {
						if strings.Contains(tc.path, "76") && strings.Contains(body, secret) {
							t.Fatalf("refusal leaks %q", secret)
						}
					}
				}
			})
		}
	}
}

// TestBoardListsOnlyOfficesInScope checks the board's data, not just its
// status: each user sees exactly the offices of their scope.
func TestBoardListsOnlyOfficesInScope(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	want := map[string]string{
		"staff71": "73.71", "city71": "73.71", "city72": "73.72", "prov73": "73.71 73.72", "prov76": "76.01",
		"national": "73.71 73.72 76.01", "admin": "73.71 73.72 76.01",
	}
	for user, codes := range want {
		resp, body := f.do(t, user, "GET", "/api/v1/board", nil, false)
		if resp.StatusCode != ok {
			t.Fatalf("%s: %d", user, resp.StatusCode)
		}
		var b struct {
			Offices []struct{ Code, State string }
		}
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, o := range b.Offices {
			got = append(got, o.Code)
			if o.State != "unknown" {
				t.Errorf("%s: office %s state %q without any result, want unknown", user, o.Code, o.State)
			}
		}
		sort.Strings(got)
		if strings.Join(got, " ") != codes {
			t.Errorf("%s sees %v, want %s", user, got, codes)
		}
		// The page itself names no office outside the scope either.
		_, page := f.do(t, user, "GET", "/", nil, false)
		if user == "city71" && (strings.Contains(page, "Parepare") || strings.Contains(page, "Majene")) {
			t.Errorf("city71's board names another office")
		}
	}
}

// checkEveryPageRouteIsInTable fails when the router serves a page route
// (or the board's JSON) that no row of the table exercises, so a route
// added later cannot skip its scope rows.
func checkEveryPageRouteIsInTable[T any](t *testing.T, f *webFixture, tests []T) {
	t.Helper()
	covered := map[string]bool{}
	for _, tc := range tests {
		v := reflect.ValueOf(tc)
		covered[v.FieldByName("method").String()+" "+strings.SplitN(v.FieldByName("path").String(), "?", 2)[0]] = true
	}
	// Routes tested elsewhere: login and logout (login_web_test.go), and
	// the JSON API of other layers (their own tests).
	skip := map[string]bool{"POST /login": true, "POST /logout": true}
	for _, r := range f.server.Routes() {
		method, path := r[0], r[1]
		if skip[method+" "+path] || (strings.HasPrefix(path, "/api/") && path != "/api/v1/board") ||
			strings.HasPrefix(path, "/slack/") || path == "/healthz" || path == "/readyz" || path == "/metrics" {
			continue
		}
		segs := strings.Split(path, "/")
		for i, sg := range segs {
			switch {
			case strings.HasPrefix(sg, ":"):
				segs[i] = `[^/]+`
			case strings.HasPrefix(sg, "*"):
				segs[i] = `.+`
			default:
				segs[i] = regexp.QuoteMeta(sg)
			}
		}
		re := regexp.MustCompile("^" + strings.Join(segs, "/") + "$")
		found := false
		for k := range covered {
			m, p, _ := strings.Cut(k, " ")
			if m == method && re.MatchString(p) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("route %s %s has no row in the scope table", method, path)
		}
	}
}
