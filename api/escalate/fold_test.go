package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

// TestWideIncidentFoldsOfficeAlerts: while a province-scope incident is
// open, its offices get no alerts of their own, neither for it nor for a
// separate office-scope incident; once it recovers they are told again.
func TestWideIncidentFoldsOfficeAlerts(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	s := testSender(pool, f, clock, nil)

	mustObserve(t, pool, esc, IncidentEvent{IncidentID: 10, Kind: api.IncidentOpened, Scope: api.ScopeProvince, Cause: api.CauseCentral,
		StartedAt: wed0900, Offices: []OfficeRef{officeMakassar, officeParepare}})
	mustObserve(t, pool, esc, openEvent(11, wed0900.Add(time.Minute), officeMakassar))
	mustDrain(t, s, clock)
	posts := incidentPosts(f)
	if len(posts) != 1 || posts[0].Channel != "CSULSEL" {
		t.Fatalf("posts %+v, want only the province message", posts)
	}
	for _, want := range []string{"2 kantor", "Kota Makassar (73.71)", "Kota Parepare (73.72)", "provinsi"} {
		if !strings.Contains(posts[0].Text+posts[0].Blocks, want) {
			t.Errorf("province message lacks %q: %s", want, posts[0].Blocks)
		}
	}

	clock.Advance(30 * time.Minute)
	mustObserve(t, pool, esc, IncidentEvent{IncidentID: 10, Kind: api.IncidentRecovered, Scope: api.ScopeProvince, Cause: api.CauseCentral,
		StartedAt: wed0900, EndedAt: clock.Now(), Offices: []OfficeRef{officeMakassar, officeParepare}})
	mustTick(t, esc)
	mustDrain(t, s, clock)
	top := topOf(t, f, "CMKS")
	if top.Key != "incident:11:CMKS:open" {
		t.Fatalf("after the wide incident ended, Makassar's own outage should alert: %+v", top)
	}
}

func TestDigestOncePerProvinceAndDay(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	clock := newFakeClock(time.Date(2020, 1, 9, 7, 59, 0, 0, makassar))
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	s := testSender(pool, f, clock, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	mustTick(t, esc)
	mustDrain(t, s, clock)
	digests := func() []fakeMsg {
		var out []fakeMsg
		for _, p := range f.Posts() {
			if strings.HasPrefix(p.Key, "digest:") {
				out = append(out, p)
			}
		}
		return out
	}
	if len(digests()) != 0 {
		t.Fatalf("digest before 08:00 WITA: %+v", digests())
	}
	clock.Set(time.Date(2020, 1, 9, 8, 0, 0, 0, makassar)) // 07:00 WIB: Jakarta's is not due yet
	mustTick(t, esc)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	d := digests()
	if len(d) != 1 || d[0].Channel != "CSULSEL" || d[0].Key != "digest:73:2020-01-09" {
		t.Fatalf("digests %+v, want one for Sulawesi Selatan", d)
	}
	for _, want := range []string{"Ringkasan harian", "Sulawesi Selatan", "Masih terganggu (1)", "Kota Makassar"} {
		if !strings.Contains(d[0].Text+d[0].Blocks, want) {
			t.Errorf("digest lacks %q: %s", want, d[0].Blocks)
		}
	}
	clock.Set(time.Date(2020, 1, 9, 9, 0, 0, 0, makassar)) // 08:00 WIB
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if d := digests(); len(d) != 2 || d[1].Channel != "CDKI" || !strings.Contains(d[1].Blocks, "Tidak ada gangguan") {
		t.Fatalf("Jakarta digest: %+v", d)
	}
}

func TestEnglishBySetting(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	p := testPolicy()
	p.Language = "en"
	if err := SavePolicy(context.Background(), escStore(pool), p); err != nil {
		t.Fatal(err)
	}
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	mustDrain(t, testSender(pool, f, clock, nil), clock)
	top := topOf(t, f, "CMKS")
	for _, want := range []string{"Outage: Kota Makassar", "Wed 8 Jan 2020 09:00 WITA", "central registry unreachable", "Acknowledge"} {
		if !strings.Contains(top.Text+top.Blocks, want) {
			t.Errorf("English message lacks %q: %s", want, top.Blocks)
		}
	}
}

func TestObserveRejectsBadEventsNamingTheField(t *testing.T) {
	tests := []struct {
		name  string
		ev    IncidentEvent
		field string
	}{
		{"no id", IncidentEvent{Kind: api.IncidentOpened}, "incident_id"},
		{"no offices", IncidentEvent{IncidentID: 1, Kind: api.IncidentOpened}, "offices"},
		{"office without province", IncidentEvent{IncidentID: 1, Kind: api.IncidentOpened, Offices: []OfficeRef{{Code: "73.71"}}}, "offices[0]"},
		{"bad scope", IncidentEvent{IncidentID: 1, Kind: api.IncidentOpened, Offices: []OfficeRef{officeMakassar}, Scope: "city"}, "scope"},
		{"bad cause", IncidentEvent{IncidentID: 1, Kind: api.IncidentOpened, Offices: []OfficeRef{officeMakassar}, Scope: api.ScopeOffice, Cause: "rain"}, "cause"},
		{"no start", IncidentEvent{IncidentID: 1, Kind: api.IncidentOpened, Offices: []OfficeRef{officeMakassar}, Scope: api.ScopeOffice, Cause: api.CauseLocal}, "started_at"},
		{"recovered before start", IncidentEvent{IncidentID: 1, Kind: api.IncidentRecovered, Offices: []OfficeRef{officeMakassar}, Scope: api.ScopeOffice,
			Cause: api.CauseLocal, StartedAt: wed0900, EndedAt: wed0900.Add(-time.Hour)}, "ended_at"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.ev.Validate(); err == nil || !strings.Contains(err.Error(), tc.field+":") {
				t.Fatalf("got %v, want an error naming %s", err, tc.field)
			}
		})
	}
}
