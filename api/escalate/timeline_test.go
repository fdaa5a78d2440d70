package escalate

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

// incidentPosts returns the accepted posts of incidents (not digests).
func incidentPosts(f *fakeSlack) []fakeMsg {
	var out []fakeMsg
	for _, p := range f.Posts() {
		if strings.HasPrefix(p.Key, "incident:") {
			out = append(out, p)
		}
	}
	return out
}

func topOf(t *testing.T, f *fakeSlack, channel string) fakeMsg {
	t.Helper()
	for _, p := range f.Posts() {
		if p.Channel == channel && p.ThreadTS == "" && strings.HasPrefix(p.Key, "incident:") {
			return p
		}
	}
	t.Fatalf("no top message in %s; posts %+v", channel, f.Posts())
	return fakeMsg{}
}

func repliesIn(f *fakeSlack, top fakeMsg, kind string) int {
	n := 0
	for _, p := range f.Posts() {
		if p.ThreadTS == top.TS && strings.Contains(p.Key, ":"+kind) {
			n++
		}
	}
	return n
}

// TestEscalationTimeline follows one outage on a simulated clock: office
// channel at once, reminders every 4 hours, province after 2 working hours
// (across the evening), national when the scope becomes national, an
// acknowledgement that stops the reminders, and recovery updating every top
// message with duration and backlog estimate.
func TestEscalationTimeline(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	start := time.Date(2020, 1, 8, 14, 0, 0, 0, makassar) // Wednesday, 1 working hour left
	clock := newFakeClock(start)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	s := testSender(pool, f, clock, nil)
	at := func(day, hh, mm int) time.Time { return time.Date(2020, 1, day, hh, mm, 0, 0, makassar) }
	step := func(when time.Time) {
		t.Helper()
		clock.Set(when)
		mustTick(t, esc)
		mustDrain(t, s, clock)
	}

	mustObserve(t, pool, esc, openEvent(1, start, officeMakassar))
	mustDrain(t, s, clock)
	if ps := incidentPosts(f); len(ps) != 1 || ps[0].Channel != "CMKS" {
		t.Fatalf("at open: %+v, want one post in CMKS", ps)
	}
	officeTop := topOf(t, f, "CMKS")

	for h := start.Add(time.Hour); h.Before(at(9, 8, 30)); h = h.Add(time.Hour) {
		step(h)
	}
	step(at(9, 8, 29))
	if got := repliesIn(f, officeTop, "reminder"); got != 4 { // 18:00, 22:00, 02:00, 06:00
		t.Fatalf("reminders by Thu 08:29: %d, want 4", got)
	}
	for _, p := range incidentPosts(f) {
		if p.Channel != "CMKS" {
			t.Fatalf("province told before 2 working hours: %+v", p)
		}
	}

	step(at(9, 8, 30))
	provinceTop := topOf(t, f, "CSULSEL")
	if !strings.Contains(provinceTop.Blocks, "Kota Makassar") {
		t.Fatalf("province message: %s", provinceTop.Blocks)
	}

	clock.Set(at(9, 9, 0))
	mustObserve(t, pool, esc, IncidentEvent{IncidentID: 1, Kind: api.IncidentScopeChanged, Scope: api.ScopeNational,
		Cause: api.CauseCentral, StartedAt: start, Offices: []OfficeRef{officeMakassar, officeJakpus}})
	mustDrain(t, s, clock)
	nationalTop := topOf(t, f, "CNAT")
	for _, want := range []string{"2 kantor", "nasional", "Kota Jakarta Pusat", "Kota Makassar"} {
		if !strings.Contains(nationalTop.Text+nationalTop.Blocks, want) {
			t.Errorf("national message lacks %q: %s", want, nationalTop.Blocks)
		}
	}
	topOf(t, f, "CDKI") // Jakarta's province is told too …
	for _, p := range f.Posts() {
		if p.Channel == "CJKP" {
			t.Fatalf("… but Jakarta Pusat's own channel folds into the national message: %+v", p)
		}
	}
	updated := map[string]bool{}
	for _, u := range f.Updates() {
		updated[u.Channel] = true
	}
	if !updated["CMKS"] || !updated["CSULSEL"] {
		t.Fatalf("tops already out not updated to the new scope: %v", updated)
	}

	step(at(9, 10, 0))
	if got := repliesIn(f, officeTop, "reminder"); got != 5 {
		t.Fatalf("reminders by Thu 10:00: %d, want 5", got)
	}

	clock.Set(at(9, 10, 30))
	w := httptest.NewRecorder()
	InteractivityHandler(InteractivityConfig{SigningSecret: testSecret, Escalator: esc}).
		ServeHTTP(w, signedRequest(testSecret, clock.Now(), ackBody(t, 1, "CNAT", "U123")))
	if w.Code != http.StatusOK {
		t.Fatalf("ack: %d %s", w.Code, w.Body)
	}
	mustDrain(t, s, clock)
	if repliesIn(f, nationalTop, "ack") != 1 {
		t.Fatalf("no ack note in the national thread: %+v", f.Posts())
	}
	for _, ch := range []string{"CMKS", "CSULSEL", "CNAT", "CDKI"} {
		top := topOf(t, f, ch)
		if !strings.Contains(top.Blocks, "U123") || strings.Contains(top.Blocks, ackActionID) {
			t.Errorf("%s top after ack should name U123 and drop the button: %s", ch, top.Blocks)
		}
	}

	before := len(f.Posts())
	for h := at(9, 11, 0); !h.After(at(9, 20, 0)); h = h.Add(time.Hour) {
		step(h)
	}
	for _, p := range f.Posts()[before:] {
		if strings.HasPrefix(p.Key, "incident:") {
			t.Fatalf("posted after ack: %+v", p)
		}
	}

	clock.Set(at(9, 21, 0))
	mustObserve(t, pool, esc, IncidentEvent{IncidentID: 1, Kind: api.IncidentRecovered, Scope: api.ScopeNational,
		Cause: api.CauseCentral, StartedAt: start, EndedAt: at(9, 21, 0), Offices: []OfficeRef{officeMakassar, officeJakpus},
		BacklogEstimate: &Estimate{Documents: 640, OvertimeHours: 24, Cost: 12345000, ClearanceDate: at(20, 0, 0)}})
	mustDrain(t, s, clock)
	for _, ch := range []string{"CMKS", "CSULSEL", "CNAT", "CDKI"} {
		top := topOf(t, f, ch)
		for _, want := range []string{"Pulih", "1 hari 7 jam 0 menit", "640 dokumen", "lembur 24 jam", "Rp 12.345.000", "20 Jan 2020"} {
			if !strings.Contains(top.Blocks, want) {
				t.Errorf("%s top after recovery lacks %q: %s", ch, want, top.Blocks)
			}
		}
		if repliesIn(f, top, "recovered") != 1 {
			t.Errorf("%s: want one recovery reply", ch)
		}
	}
	var tops []string
	for _, p := range incidentPosts(f) {
		if p.ThreadTS == "" {
			tops = append(tops, p.Channel)
		}
	}
	slices.Sort(tops)
	if strings.Join(tops, ",") != "CDKI,CMKS,CNAT,CSULSEL" {
		t.Fatalf("top-level posts %v, want exactly one per channel", tops)
	}

	// Replaying the recovery changes nothing.
	mustObserve(t, pool, esc, IncidentEvent{IncidentID: 1, Kind: api.IncidentRecovered, Scope: api.ScopeNational,
		Cause: api.CauseCentral, StartedAt: start, EndedAt: at(9, 21, 0), Offices: []OfficeRef{officeMakassar}})
	n := len(f.Posts())
	mustDrain(t, s, clock)
	if len(f.Posts()) != n {
		t.Fatal("a replayed recovery posted again")
	}
}
