package browsertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// clock is the server's settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// After waits in real time: only the time detection judges against is
// simulated.
func (c *clock) After(d time.Duration) <-chan time.Time { return time.After(d) }

// site is a running Pantau with South Sulawesi and West Sulawesi offices,
// three days of results, an open central cut at Makassar, a recovered cut
// at Parepare, and one user per role.
type site struct {
	store  *postgres.Store
	srv    *httptest.Server
	clock  *clock
	det    *detect.Detector
	tokens map[string]string // probe token by office
	seq    map[string]int    // next sequence number by office
	users  map[string]string // email by role key
}

const (
	password = "kata-sandi-uji-123"
	interval = 5 * time.Minute
)

var offices = []api.Office{
	{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	{Code: "73.06", Name: "Kabupaten Gowa", ProvinceCode: "73", Kind: "kabupaten", TZ: "Asia/Makassar"},
	{Code: "76.01", Name: "Kabupaten Majene", ProvinceCode: "76", Kind: "kabupaten", TZ: "Asia/Makassar"},
}

func newSite(t *testing.T) *site {
	t.Helper()
	ctx := context.Background()
	store := pgtest.Store(t)
	err := store.UpsertRegions(ctx, []api.Province{
		{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"},
		{Code: "76", Name: "Sulawesi Barat", TZ: "Asia/Makassar"},
	}, offices, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := &site{store: store, clock: &clock{now: time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)},
		tokens: map[string]string{}, seq: map[string]int{}, users: map[string]string{}}
	for _, o := range offices {
		for _, kind := range []probe.TargetKind{probe.KindCentral, probe.KindInternet} {
			spec := probe.Target{Name: string(kind), Kind: kind, Check: probe.CheckTCP, Address: "127.0.0.1:1"}
			if _, err := store.CreateTarget(ctx, api.Target{OfficeCode: o.Code, Spec: spec, Interval: interval}); err != nil {
				t.Fatal(err)
			}
		}
		_, token, err := store.CreateProbe(ctx, o.Code, "probe-1")
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[o.Code] = token
	}
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{}, store, slog.New(slog.DiscardHandler), reg, reg, server.WithClock(s.clock.Now))
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)
	if s.det, err = detect.New(store.Detection(nil), detect.Config{Clock: s.clock, Logger: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	s.history(t)
	s.addUsers(t)
	s.intake(t)
	return s
}

// history posts three days of results: Makassar's central target fails
// from 30 hours ago on (its internet reference answers: a central cut),
// Parepare's failed for two hours yesterday, the rest are up.
func (s *site) history(t *testing.T) {
	now := s.clock.Now()
	start := now.Add(-72 * time.Hour)
	for _, o := range offices {
		var items []map[string]any
		for at := start; !at.After(now); at = at.Add(interval) {
			centralOK := true
			switch o.Code {
			case "73.71":
				centralOK = at.Before(now.Add(-30 * time.Hour))
			case "73.72":
				centralOK = at.Before(now.Add(-26*time.Hour)) || !at.Before(now.Add(-24*time.Hour))
			}
			items = append(items, s.result(o.Code, "central", at, centralOK), s.result(o.Code, "internet", at, true))
		}
		for len(items) > 0 {
			n := min(len(items), 1000)
			s.post(t, o.Code, items[:n])
			items = items[n:]
		}
	}
	s.detect(t)
}

func (s *site) result(office, target string, at time.Time, ok bool) map[string]any {
	s.seq[office]++
	r := map[string]any{"seq": s.seq[office], "target": target, "observed_at": at.Format(time.RFC3339), "ok": ok, "latency_ms": 20}
	if !ok {
		r["failure"] = "connect"
	}
	return r
}

// post sends results as the office's probe would.
func (s *site) post(t *testing.T, office string, items []map[string]any) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"agent": map[string]any{"version": "test"}, "results": items})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.srv.URL+"/api/v1/results", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+s.tokens[office])
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ingest for %s: %d", office, resp.StatusCode)
	}
}

// detect runs detection passes until nothing is left to do.
func (s *site) detect(t *testing.T) {
	t.Helper()
	for range 20 {
		n, err := s.det.RunOnce(context.Background())
		if err != nil {
			t.Fatalf("detect: %v", err)
		}
		if n == 0 {
			return
		}
	}
}

// cutCentral moves the clock 20 minutes on and posts four failed checks
// of office's central link (its internet target still answering), then
// runs detection: the office is down for a central cause.
func (s *site) cutCentral(t *testing.T, office string) {
	t.Helper()
	s.clock.Add(20 * time.Minute)
	now := s.clock.Now()
	var items []map[string]any
	for i := 3; i >= 0; i-- {
		at := now.Add(-time.Duration(i) * interval)
		items = append(items, s.result(office, "central", at, false), s.result(office, "internet", at, true))
	}
	s.post(t, office, items)
	s.detect(t)
}

// addUsers creates one user per role and scope.
func (s *site) addUsers(t *testing.T) {
	ctx := context.Background()
	for key, nu := range map[string]api.NewUser{
		"staff71":  {Role: api.RoleOfficeStaff, OfficeCode: "73.71"},
		"city71":   {Role: api.RoleCityOfficial, OfficeCode: "73.71"},
		"prov73":   {Role: api.RoleProvincialOfficial, ProvinceCode: "73"},
		"national": {Role: api.RoleNationalOperator},
		"admin":    {Role: api.RoleAdmin},
	} {
		nu.Email, nu.Password = fmt.Sprintf("%s@pantau.test", key), password
		if _, err := s.store.CreateUser(ctx, nu); err != nil {
			t.Fatal(err)
		}
		s.users[key] = nu.Email
	}
}

// intake records Makassar's files of the last two weeks as the seed case
// has them: about 80 a working day, all needing the central system.
func (s *site) intake(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Makassar")
	today := s.clock.Now().In(loc)
	for i := 14; i >= 1; i-- {
		day := today.AddDate(0, 0, -i)
		if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		for typ, n := range map[string]int{"KK": 30, "AKTA-LAHIR": 30, "SUKET": 20} {
			_, err := s.store.Pool().Exec(context.Background(), `INSERT INTO office_intake (office_code, day, doc_type, received) VALUES ('73.71', $1, $2, $3)`,
				day.Format("2006-01-02"), typ, n)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}
