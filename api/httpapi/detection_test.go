package httpapi

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
)

// detectEngine serves the detection handlers as user, without cookies: the
// session is set the way auth.Guard.Load sets it.
func detectEngine(t *testing.T, store *postgres.Store, user api.User, now time.Time) *gin.Engine {
	t.Helper()
	log, clock := slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now }
	s := &API{store: store, guard: auth.New(store, auth.Config{}, clock, log, nil), log: log, now: clock}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(func(c *gin.Context) { auth.WithSession(c, &api.Session{User: user}); c.Next() })
	r.GET("/api/v1/states", s.JSON(s.GetStates))
	r.GET("/api/v1/outages", s.JSON(s.GetOutages))
	r.GET("/api/v1/incidents", s.JSON(s.GetIncidents))
	r.GET("/api/v1/incidents/:id", s.JSON(s.GetIncident))
	r.GET("/api/v1/offices/:code/timeline", s.JSON(s.GetTimeline))
	r.GET("/api/v1/maintenance", s.JSON(s.GetMaintenance))
	r.POST("/api/v1/maintenance", s.JSON(s.PostMaintenance))
	r.DELETE("/api/v1/maintenance/:id", s.JSON(s.DeleteMaintenance))
	return r
}

func detectDo(t *testing.T, r http.Handler, method, path, body string) (int, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	var out map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body.String())
		}
	}
	return rec.Code, out
}

func TestDetectHandlersScopeAndMaintenance(t *testing.T) {
	t.Parallel()
	store := pgtest.Store(t)
	pgtest.Makassar(t, store)
	pgtest.Kendari(t, store)
	now := time.Date(2020, 1, 8, 12, 0, 0, 0, time.UTC)
	admin := detectEngine(t, store, api.User{Role: api.RoleAdmin}, now)
	city := detectEngine(t, store, api.User{Role: api.RoleCityOfficial, OfficeCode: "73.71", ProvinceCode: "73"}, now)

	code, body := detectDo(t, admin, "POST", "/api/v1/maintenance",
		`{"scope":"office","office_code":"73.71","starts_at":"2020-01-08T10:00:00Z","ends_at":"2020-01-08T09:00:00Z","reason":"migrasi"}`)
	if code != http.StatusBadRequest || body["error"].(map[string]any)["field"] != "ends_at" {
		t.Fatalf("bad window: %d %v, want 400 naming ends_at", code, body)
	}
	code, body = detectDo(t, admin, "POST", "/api/v1/maintenance",
		`{"scope":"office","office_code":"74.71","starts_at":"2020-01-08T10:00:00Z","ends_at":"2020-01-08T14:00:00Z","reason":"migrasi"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, body)
	}
	id := int64(body["id"].(float64))

	// The city official sees only Makassar: its state, and no window of Kendari.
	code, body = detectDo(t, city, "GET", "/api/v1/states", "")
	if states := body["states"].([]any); code != http.StatusOK || len(states) != 1 || states[0].(map[string]any)["office_code"] != "73.71" {
		t.Fatalf("city states: %d %v", code, body)
	}
	if code, _ := detectDo(t, city, "GET", "/api/v1/outages?office=74.71", ""); code != http.StatusNotFound {
		t.Fatalf("another office's outages: %d, want 404", code)
	}
	if _, body := detectDo(t, city, "GET", "/api/v1/maintenance", ""); len(body["maintenance"].([]any)) != 0 {
		t.Fatalf("city sees maintenance of another office: %v", body)
	}
	if code, _ := detectDo(t, city, "GET", "/api/v1/offices/74.71/timeline", ""); code != http.StatusNotFound {
		t.Fatalf("another office's timeline: %d, want 404", code)
	}
	// The admin sees Kendari in maintenance now, with the measured state beside it.
	_, body = detectDo(t, admin, "GET", "/api/v1/offices/74.71/timeline?from=2020-01-08T00:00:00Z", "")
	ivs := body["intervals"].([]any)
	if last := ivs[len(ivs)-1].(map[string]any); last["state"] != "maintenance" || last["underlying"] != "unknown" {
		t.Fatalf("timeline: %v", body)
	}
	if code, body := detectDo(t, admin, "GET", "/api/v1/outages?from=yesterday", ""); code != http.StatusBadRequest || body["error"].(map[string]any)["field"] != "from" {
		t.Fatalf("bad from: %d %v", code, body)
	}
	if code, _ := detectDo(t, admin, "GET", "/api/v1/incidents?open=true", ""); code != http.StatusOK {
		t.Fatalf("incidents: %d", code)
	}
	if code, _ := detectDo(t, admin, "GET", "/api/v1/incidents/99", ""); code != http.StatusNotFound {
		t.Fatalf("missing incident: %d, want 404", code)
	}
	if code, _ := detectDo(t, admin, "DELETE", "/api/v1/maintenance/"+strings.TrimSpace(jsonInt(id)), ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }
