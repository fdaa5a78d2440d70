package escalate

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

// TestTopMessageLinksToTheIncidentPage: with the server's public address
// set, the alert as Slack receives it links to the incident's page, and
// still does once the incident recovers (the top message is rewritten).
func TestTopMessageLinksToTheIncidentPage(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger(), WebURL: "https://pantau.example.go.id/"})
	s := testSender(pool, f, clock, nil)

	mustObserve(t, pool, esc, openEvent(42, wed0900, officeMakassar))
	clock.Advance(time.Minute)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	const link = `https://pantau.example.go.id/incidents/42|Rincian gangguan` // inside <…>, which the JSON escapes
	if top := topOf(t, f, "CMKS"); !strings.Contains(top.Blocks, link) {
		t.Fatalf("alert lacks %s: %s", link, top.Blocks)
	}

	clock.Advance(20 * time.Minute)
	mustObserve(t, pool, esc, IncidentEvent{IncidentID: 42, Kind: api.IncidentRecovered, Scope: api.ScopeOffice, Cause: api.CauseCentral,
		StartedAt: wed0900, EndedAt: clock.Now(), Offices: []OfficeRef{officeMakassar}})
	mustTick(t, esc)
	mustDrain(t, s, clock)
	ups := f.Updates()
	if len(ups) == 0 || !strings.Contains(ups[len(ups)-1].Blocks, link) {
		t.Fatalf("recovered top message lacks the link: %+v", ups)
	}
}

// TestTopMessageWithoutWebURLHasNoLink: no address set, no link (a
// relative one would be useless in Slack).
func TestTopMessageWithoutWebURLHasNoLink(t *testing.T) {
	msg := topMessage(testPolicy(), incident{ID: 7, Anchor: officeMakassar.Code, StartedAt: wed0900, Scope: api.ScopeOffice,
		Cause: api.CauseCentral}, []OfficeRef{officeMakassar})
	raw, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "/incidents/") || !strings.Contains(string(raw), "Kota Makassar") {
		t.Fatalf("message without a WebURL: %s", raw)
	}
}

func TestCheckWebURL(t *testing.T) {
	for in, want := range map[string]string{"": "", "https://pantau.go.id/": "https://pantau.go.id",
		"http://10.0.0.5:8080/pantau": "http://10.0.0.5:8080/pantau"} {
		if got, err := CheckWebURL(in); err != nil || got != want {
			t.Errorf("CheckWebURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"pantau.go.id", "ftp://pantau.go.id", "https://", "https://x/?a=1", "https://x/a|b", "https://x/#f"} {
		if _, err := CheckWebURL(bad); err == nil {
			t.Errorf("CheckWebURL(%q) accepted", bad)
		}
	}
}
