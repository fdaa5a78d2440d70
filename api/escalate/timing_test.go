package escalate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/clock"
)

// Issue 11's rules, one quick case each, on a simulated clock.

var officePalopo = OfficeRef{Code: "73.73", Name: "Kota Palopo", ProvinceCode: "73"}

// timingFixture is a database with a third office in province 73, the
// test policy changed by tweak, an escalator and a sender on a fake Slack.
func timingFixture(t *testing.T, tweak func(*Policy)) (*pgxpool.Pool, *fakeSlack, *clock.Manual, *Escalator, *Sender) {
	t.Helper()
	pool := mustDB(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO offices (code, name, province_code, kind, tz)
		VALUES ('73.73', 'Kota Palopo', '73', 'kota', 'Asia/Makassar')`); err != nil {
		t.Fatal(err)
	}
	pol := testPolicy()
	pol.Channels.Offices["73.73"] = "CPLP"
	if tweak != nil {
		tweak(&pol)
	}
	if err := SavePolicy(ctx, escStore(pool), pol); err != nil {
		t.Fatal(err)
	}
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	return pool, f, clock, esc, testSender(pool, f, clock, nil)
}

func scoped(id int64, scope string, start time.Time, offices ...OfficeRef) IncidentEvent {
	return IncidentEvent{IncidentID: id, Kind: api.IncidentUpdated, Offices: offices, Scope: scope,
		Cause: api.CauseCentral, StartedAt: start}
}

// topLevel returns the top-level incident posts per channel.
func topLevel(f *fakeSlack) map[string]int {
	n := map[string]int{}
	for _, p := range incidentPosts(f) {
		if p.ThreadTS == "" {
			n[p.Channel]++
		}
	}
	return n
}

// TestGatherMakesAProvinceCutOneMessage: offices of a province cut report
// seconds apart; the first office's message waits the gather window, the
// incident becomes province-wide meanwhile, and the only top-level message
// is the province's, listing every office.
func TestGatherMakesAProvinceCutOneMessage(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, func(p *Policy) { p.GatherWindow = 30 * time.Second })
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	for i, os := range [][]OfficeRef{{officeMakassar, officeParepare}} {
		clock.Advance(time.Duration(i+1) * 1500 * time.Millisecond)
		mustObserve(t, pool, esc, scoped(1, api.ScopeOffice, wed0900, os...))
	}
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if n := len(incidentPosts(f)); n != 0 {
		t.Fatalf("%d posts inside the gather window", n)
	}
	clock.Advance(2 * time.Second)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare, officePalopo))
	clock.Set(wed0900.Add(31 * time.Second))
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if got := topLevel(f); len(got) != 1 || got["CSULSEL"] != 1 {
		t.Fatalf("top-level messages %v, want only the province's", got)
	}
	if top := topOf(t, f, "CSULSEL"); !strings.Contains(top.Blocks, "Kota Palopo (73.73)") || !strings.Contains(top.Blocks, "3 kantor") {
		t.Fatalf("province message lacks its offices: %s", top.Blocks)
	}
}

// TestGatherDelaysTheFirstOfficeMessageByTheWindow: an office-scope cut's
// message goes out once the window has passed, not before.
func TestGatherDelaysTheFirstOfficeMessageByTheWindow(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, func(p *Policy) { p.GatherWindow = 30 * time.Second })
	mustObserve(t, pool, esc, openEvent(1, wed0900.Add(-time.Minute), officeMakassar))
	clock.Advance(29 * time.Second)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if len(incidentPosts(f)) != 0 {
		t.Fatalf("posted after 29 s: %+v", incidentPosts(f))
	}
	clock.Advance(time.Second)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if got := topLevel(f); len(got) != 1 || got["CMKS"] != 1 {
		t.Fatalf("top-level %v, want one in CMKS", got)
	}
}

// TestOfficeJoiningAProvinceIncidentGetsAReplyNotAnAlert: an office whose
// own message is out when the incident becomes province-wide is pointed to
// the province channel in its thread; an office joining later gets no
// top-level alert of its own. The province message is edited as offices
// join, at most once a minute, never with identical text.
func TestOfficeJoiningAProvinceIncidentGetsAReplyNotAnAlert(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	mustDrain(t, s, clock)
	mksTop := topOf(t, f, "CMKS")

	clock.Advance(10 * time.Second)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	mustDrain(t, s, clock)
	if got := topLevel(f); got["CMKS"] != 1 || got["CSULSEL"] != 1 || got["CPARE"] != 0 {
		t.Fatalf("top-level %v, want CMKS 1, CSULSEL 1, CPARE 0", got)
	}
	var pointer *fakeMsg
	for _, p := range f.Posts() {
		if p.ThreadTS == mksTop.TS && strings.Contains(p.Key, ":pointer:") {
			pointer = &p
		}
	}
	if pointer == nil || !strings.Contains(pointer.Text, "<#CSULSEL>") {
		t.Fatalf("no pointer reply in Makassar's thread: %+v", f.Posts())
	}

	// Palopo joins 10 s after the province message: the edit waits for the
	// minute since the last edit? None yet: it goes at once, then the next
	// one waits.
	updatesBefore := f.count("chat.update")
	clock.Advance(10 * time.Second)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare, officePalopo))
	mustDrain(t, s, clock)
	if got := f.count("chat.update") - updatesBefore; got < 1 {
		t.Fatalf("province message not edited when Palopo joined (%d updates)", got)
	}
	if !strings.Contains(topOf(t, f, "CSULSEL").Blocks, "Kota Palopo (73.73)") {
		t.Fatal("province message does not list Palopo")
	}
	if got := topLevel(f); got["CPLP"] != 0 {
		t.Fatalf("Palopo got a top-level alert: %v", got)
	}
	edited := f.count("chat.update")
	// Palopo leaves again 5 s later: this edit must wait until a minute
	// after the last one.
	clock.Advance(5 * time.Second)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	for range 11 { // the edit is due a minute after the last
		runOnce(t, s)
		if f.count("chat.update") > edited {
			break
		}
		clock.Advance(6 * time.Second)
	}
	if clock.Now().Sub(wed0900) < 80*time.Second {
		t.Fatalf("edited %s after the last one, want a minute", clock.Now().Sub(wed0900.Add(20*time.Second)))
	}
	if prov := topOf(t, f, "CSULSEL"); strings.Contains(prov.Blocks, "Palopo") {
		t.Fatalf("province message still lists Palopo: %s", prov.Blocks)
	}
	// A replay changes nothing: no edit with the same text.
	clock.Advance(2 * time.Minute)
	mustDrain(t, s, clock)
	n := f.count("chat.update")
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	clock.Advance(2 * time.Minute)
	mustDrain(t, s, clock)
	if f.count("chat.update") != n {
		t.Fatalf("an identical edit was sent: %v", f.Calls())
	}
	last := map[string]string{}
	for _, u := range f.Updates() {
		if last[u.Channel+u.TS] == u.Blocks {
			t.Fatalf("two edits of %s with the same text: %s", u.Channel, u.Blocks)
		}
		last[u.Channel+u.TS] = u.Blocks
	}
}

// TestProvinceEditsAtMostOncePerMinute: three joins within a minute of an
// edit make one further edit, with the last state.
func TestProvinceEditsAtMostOncePerMinute(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar))
	mustDrain(t, s, clock)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	mustDrain(t, s, clock) // the first edit: at once
	first := f.count("chat.update")
	sentAt := clock.Now()
	for _, os := range [][]OfficeRef{{officeMakassar, officeParepare, officePalopo}, {officeMakassar, officePalopo},
		{officeMakassar, officeParepare, officePalopo}} {
		clock.Advance(5 * time.Second)
		mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, os...))
		runOnce(t, s)
	}
	if f.count("chat.update") != first {
		t.Fatalf("edited within a minute of the last edit: %v", f.Calls())
	}
	clock.Set(sentAt.Add(time.Minute))
	mustDrain(t, s, clock)
	if got := f.count("chat.update") - first; got != 1 {
		t.Fatalf("%d edits after the minute, want 1 (superseded ones coalesced)", got)
	}
	if !strings.Contains(topOf(t, f, "CSULSEL").Blocks, "3 kantor") {
		t.Fatalf("edit does not show the last state: %s", topOf(t, f, "CSULSEL").Blocks)
	}
}

// TestLateIncidentIsReportedOnceAndNeverEscalated: an incident first seen
// already over gets one notice with its span in the office channel; no
// reminder, no province or national step however long after.
func TestLateIncidentIsReportedOnceAndNeverEscalated(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	clock.Advance(3 * time.Hour)
	ev := openEvent(1, wed0900, officeMakassar)
	ev.Kind, ev.EndedAt = api.IncidentLate, wed0900.Add(46*time.Second)
	mustObserve(t, pool, esc, ev)
	mustObserve(t, pool, esc, ev) // a replay
	for range 4 {
		clock.Advance(12 * time.Hour)
		mustTick(t, esc)
	}
	mustDrain(t, s, clock)
	posts := incidentPosts(f)
	if len(posts) != 1 || posts[0].Channel != "CMKS" {
		t.Fatalf("posts %+v, want one notice in CMKS", posts)
	}
	for _, want := range []string{"Dilaporkan terlambat", "Durasi:* 1 menit", "tidak ada eskalasi"} {
		if !strings.Contains(posts[0].Blocks, want) {
			t.Errorf("late notice lacks %q: %s", want, posts[0].Blocks)
		}
	}
	if strings.Contains(posts[0].Blocks, ackActionID) {
		t.Error("a late notice has nothing to acknowledge")
	}

	// Policy off: nothing at all.
	pool2, f2, clock2, esc2, s2 := timingFixture(t, func(p *Policy) { p.LateNotice = false })
	mustObserve(t, pool2, esc2, ev)
	clock2.Advance(30 * time.Hour)
	mustTick(t, esc2)
	mustDrain(t, s2, clock2)
	if len(incidentPosts(f2)) != 0 {
		t.Fatalf("late notice sent with late_notice off: %+v", incidentPosts(f2))
	}
}

// TestFlappingIsOneThreadShownUnstable: recovered then reopened by the
// detector's re-open window continues the same thread, marked unstable.
func TestFlappingIsOneThreadShownUnstable(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	mustDrain(t, s, clock)
	for i := range 3 {
		clock.Advance(time.Minute)
		ev := openEvent(1, wed0900, officeMakassar)
		ev.Kind, ev.EndedAt = api.IncidentRecovered, clock.Now()
		mustObserve(t, pool, esc, ev)
		mustDrain(t, s, clock)
		clock.Advance(time.Minute)
		ev = openEvent(1, wed0900, officeMakassar)
		ev.Kind, ev.Flapping = api.IncidentReopened, true
		mustObserve(t, pool, esc, ev)
		mustDrain(t, s, clock)
		if got := topLevel(f); len(got) != 1 || got["CMKS"] != 1 {
			t.Fatalf("round %d: top-level %v, want one thread", i, got)
		}
	}
	top := topOf(t, f, "CMKS")
	if !strings.Contains(top.Text, "tidak stabil") || !strings.HasPrefix(top.Text, "🔴") {
		t.Fatalf("top message %q, want open and tidak stabil", top.Text)
	}
	if n := repliesIn(f, top, "reopened"); n != 3 {
		t.Fatalf("%d reopened replies, want 3", n)
	}
}

// TestAcknowledgementShowsTheNameEverywhereOnce: pressed in the office
// channel, the acknowledgement shows the person's Slack display name in
// every channel the incident reached; a second press changes and counts
// nothing; an unknown incident answers 404.
func TestAcknowledgementShowsTheNameEverywhereOnce(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	f.names = map[string]string{"U123": "Andi Pratama"}
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	clock.Advance(3 * time.Hour) // past 2 working hours: the province channel too
	mustTick(t, esc)
	mustDrain(t, s, clock)
	m := NewMetrics(prometheus.NewRegistry())
	names := NewUserNames(escStore(pool), Config{Token: "xoxb-test", APIURL: f.URL(), Clock: clock})
	h := InteractivityHandler(InteractivityConfig{SigningSecret: testSecret, Escalator: esc, Names: names, Metrics: m, Logger: quietLogger()})
	serve := func(id int64, user string) int {
		w := httptest.NewRecorder()
		clock.Advance(time.Second) // each request its own signature
		h.ServeHTTP(w, signedRequest(testSecret, clock.Now(), ackBody(t, id, "CMKS", user)))
		return w.Code
	}
	if code := serve(1, "U123"); code != http.StatusOK {
		t.Fatalf("ack: %d", code)
	}
	if code := serve(1, "U123"); code != http.StatusOK {
		t.Fatalf("second ack: %d", code)
	}
	if code := serve(99, "U123"); code != http.StatusNotFound {
		t.Fatalf("unknown incident: %d, want 404", code)
	}
	mustDrain(t, s, clock)
	for _, ch := range []string{"CMKS", "CSULSEL"} {
		if top := topOf(t, f, ch); !strings.Contains(top.Blocks, "Andi Pratama") {
			t.Errorf("%s top does not name who acknowledged: %s", ch, top.Blocks)
		}
	}
	if f.count("users.info") != 1 {
		t.Fatalf("users.info called %d times, want 1 (cached)", f.count("users.info"))
	}
	for result, want := range map[string]float64{"acknowledged": 1, "already": 1, "unknown_incident": 1} {
		if got := metricValue(m.interactions.WithLabelValues(result)); got != want {
			t.Errorf("interactions{%s} = %v, want %v", result, got, want)
		}
	}
	if ack, err := escStore(pool).Acknowledgement(t.Context(), 1); err != nil || ack.Who() != "Andi Pratama" {
		t.Fatalf("acknowledgement %+v, %v", ack, err)
	}
}

// TestRetryAfterPausesTheWholeWorkspace: a 429 on one channel holds every
// chat call, in every channel, until Retry-After has passed.
func TestRetryAfterPausesTheWholeWorkspace(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	f.fail("chat.postMessage", fault{status: http.StatusTooManyRequests, retryAfter: "30"})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	runOnce(t, s)
	mustObserve(t, pool, esc, openEvent(2, wed0900, officeParepare))
	for range 5 {
		clock.Advance(5 * time.Second)
		runOnce(t, s)
	}
	if got := f.count("chat.postMessage"); got != 1 {
		t.Fatalf("%d posts during the pause (calls %v), want only the one that got 429", got, f.Calls())
	}
	clock.Advance(6 * time.Second)
	mustDrain(t, s, clock)
	if got := topLevel(f); got["CMKS"] != 1 || got["CPARE"] != 1 {
		t.Fatalf("after the pause: %v", got)
	}
}

// TestAHungCallHoldsOnlyItsChannel: with real workers, Makassar's call
// hangs until its deadline while Parepare's message goes out.
func TestAHungCallHoldsOnlyItsChannel(t *testing.T) {
	t.Parallel()
	pool, f, _, esc, _ := timingFixture(t, nil)
	f.fail("chat.postMessage", fault{hang: true})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	s := testSender(pool, f, clock.Real{}, func(c *Config) {
		c.PollInterval = 20 * time.Millisecond
		c.RequestTimeout = 5 * time.Second
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Start(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	f.waitFor(t, "Makassar's call", func(f *fakeSlack) bool { return len(f.calls) > 0 })
	mustObserve(t, pool, esc, openEvent(2, wed0900, officeParepare))
	f.waitFor(t, "Parepare's post", func(f *fakeSlack) bool {
		for _, p := range f.posts {
			if p.Channel == "CPARE" {
				return true
			}
		}
		return false
	})
	if got := topLevel(f); got["CMKS"] != 0 {
		t.Fatalf("Makassar posted while its call hung: %v", got)
	}
	f.waitFor(t, "Makassar's retry", func(f *fakeSlack) bool {
		for _, p := range f.posts {
			if p.Channel == "CMKS" {
				return true
			}
		}
		return false
	})
}

// TestSlackDownAnHourLosesNothing: Slack answers 500 for an hour of an
// incident that is acknowledged and recovers meanwhile; when it returns,
// the channel gets the top message, the ack and recovery replies, and the
// top's present state (one edit, no stale ones); nothing is given up.
func TestSlackDownAnHourLosesNothing(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	var down atomic.Bool
	down.Store(true)
	f.onCall = func(method string) {
		if down.Load() {
			f.fail(method, fault{status: 500})
		}
	}
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	step := func(d time.Duration) {
		for elapsed := time.Duration(0); elapsed < d; elapsed += 30 * time.Second {
			clock.Advance(30 * time.Second)
			runOnce(t, s)
		}
	}
	step(20 * time.Minute)
	if _, err := esc.Acknowledge(context.Background(), 1, "CMKS", "U1", "Budi"); err != nil {
		t.Fatal(err)
	}
	step(20 * time.Minute)
	ev := openEvent(1, wed0900, officeMakassar)
	ev.Kind, ev.EndedAt = api.IncidentRecovered, clock.Now()
	mustObserve(t, pool, esc, ev)
	step(20 * time.Minute)
	if len(f.Posts()) != 0 {
		t.Fatalf("posted while Slack was down: %+v", f.Posts())
	}
	down.Store(false)
	step(6 * time.Minute) // the longest backoff is 5 minutes
	mustDrain(t, s, clock)
	top := topOf(t, f, "CMKS")
	if !strings.HasPrefix(top.Text, "✅") || !strings.Contains(top.Blocks, "Budi") {
		t.Fatalf("top message is not the present state: %q %s", top.Text, top.Blocks)
	}
	if repliesIn(f, top, "ack") != 1 || repliesIn(f, top, "recovered") != 1 {
		t.Fatalf("replies missing: %+v", f.Posts())
	}
	if got := len(f.Updates()); got > 1 {
		t.Fatalf("%d edits delivered, want at most one (superseded edits coalesced)", got)
	}
	if c, err := escStore(pool).OutboxCounts(t.Context()); err != nil || c["given_up"] != 0 {
		t.Fatalf("given up %v, %v", c, err)
	}
}

// TestTopNeverSaysRecoveredBeforeTheReply: the recovery's rewrite of the
// top message waits for the recovery reply, even when the reply fails.
func TestTopNeverSaysRecoveredBeforeTheReply(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	mustDrain(t, s, clock)
	f.fail("chat.postMessage", fault{status: 500}, fault{status: 500})
	clock.Advance(time.Hour)
	ev := openEvent(1, wed0900, officeMakassar)
	ev.Kind, ev.EndedAt = api.IncidentRecovered, clock.Now()
	mustObserve(t, pool, esc, ev)
	for range 3 {
		runOnce(t, s)
		clock.Advance(time.Second)
		for _, u := range f.Updates() {
			if strings.Contains(u.Text, "Pulih") && len(f.Posts()) < 2 {
				t.Fatalf("top says Pulih before the recovery reply exists: %v", f.Calls())
			}
		}
	}
	mustDrain(t, s, clock)
	if top := topOf(t, f, "CMKS"); !strings.Contains(top.Text, "Pulih") || repliesIn(f, top, "recovered") != 1 {
		t.Fatalf("after recovery: %q, posts %+v", top.Text, f.Posts())
	}
}

// TestMaintenanceWindowIsANoteNotAnAlert: an outage inside a declared
// window gets one note in the office channel and one when it ends; no
// button, reminder or province step.
func TestMaintenanceWindowIsANoteNotAnAlert(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	if _, err := pool.Exec(context.Background(), `INSERT INTO maintenance_windows (scope, office_code, starts_at, ends_at, reason, created_at)
		VALUES ('office', '73.71', $1, $2, 'migrasi server', $1)`, wed0900.Add(-time.Minute), wed0900.Add(12*time.Hour)); err != nil {
		t.Fatal(err)
	}
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	for range 4 {
		clock.Advance(2 * time.Hour)
		mustTick(t, esc)
	}
	ev := openEvent(1, wed0900, officeMakassar)
	ev.Kind, ev.EndedAt = api.IncidentRecovered, clock.Now()
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	posts := incidentPosts(f)
	if len(posts) != 2 || posts[0].Channel != "CMKS" || posts[1].ThreadTS != posts[0].TS {
		t.Fatalf("posts %+v, want a note and its end in CMKS", posts)
	}
	if !strings.Contains(posts[0].Text, "Pemeliharaan terencana") || strings.Contains(posts[0].Blocks, ackActionID) {
		t.Fatalf("note %q %s", posts[0].Text, posts[0].Blocks)
	}
	if !strings.Contains(posts[1].Text, "Pemeliharaan terencana selesai") {
		t.Fatalf("end note %q", posts[1].Text)
	}
}

// TestAlertsAndRemindersCarryThePromiseDeadline: an open incident's top
// message and reminders state the promise deadline the model gives (never
// computed in the detector's transaction); the recovered top does not.
func TestAlertsAndRemindersCarryThePromiseDeadline(t *testing.T) {
	t.Parallel()
	pool, f, clock, _, s := timingFixture(t, nil)
	deadline := wed0900.Add(26 * time.Hour)
	calls := 0
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger(),
		Promiser: func(_ context.Context, _ api.EscalationTx, o OfficeRef) (*api.PromiseSummary, error) {
			calls++
			return &api.PromiseSummary{Office: "Kota Makassar", TZ: "Asia/Makassar", Kept: true, Deadline: &deadline,
				OvertimeHours: 6, Cost: 548000}, nil
		}})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	if calls != 0 {
		t.Fatal("the promise model ran in the detector's transaction")
	}
	mustTick(t, esc) // the first tick brings it, and the top shows it
	mustDrain(t, s, clock)
	want := "koneksi harus pulih sebelum Kam 9 Jan 2020 11:00 WITA agar semua berkas tetap tepat waktu, dengan lembur 6 jam (Rp 548.000)"
	if top := topOf(t, f, "CMKS"); !strings.Contains(top.Blocks, want) {
		t.Fatalf("alert lacks the promise deadline: %s", top.Blocks)
	}
	clock.Advance(4*time.Hour + time.Minute)
	mustTick(t, esc)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	var reminder *fakeMsg
	for _, p := range f.Posts() {
		if strings.Contains(p.Key, ":reminder:") {
			reminder = &p
		}
	}
	if reminder == nil || !strings.Contains(reminder.Text, want) {
		t.Fatalf("reminder lacks the promise deadline: %+v", reminder)
	}
	if calls > 3 {
		t.Fatalf("promise model ran %d times for one alert and one reminder", calls)
	}
	ev := openEvent(1, wed0900, officeMakassar)
	ev.Kind, ev.EndedAt = api.IncidentRecovered, clock.Now()
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	if top := topOf(t, f, "CMKS"); strings.Contains(top.Blocks, "janji") {
		t.Fatalf("recovered top still states a promise: %s", top.Blocks)
	}
}

// TestAnOfficeJoiningLaterWaitsItsOwnGatherWindow: an office that joins an
// office incident after the first office's message went out waits the
// gather window from its joining, so when the incident becomes
// province-wide meanwhile it never gets a top-level alert of its own; one
// that stays an office incident gets its message once its window passed.
func TestAnOfficeJoiningLaterWaitsItsOwnGatherWindow(t *testing.T) {
	t.Parallel()
	for _, becomesProvince := range []bool{true, false} {
		pool, f, clock, esc, s := timingFixture(t, func(p *Policy) { p.GatherWindow = 30 * time.Second })
		mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
		clock.Advance(31 * time.Second)
		mustTick(t, esc)
		mustDrain(t, s, clock)
		if got := topLevel(f); got["CMKS"] != 1 {
			t.Fatalf("Makassar's message after its window: %v", got)
		}
		clock.Advance(10 * time.Second)
		mustObserve(t, pool, esc, scoped(1, api.ScopeOffice, wed0900, officeMakassar, officeParepare))
		clock.Advance(20 * time.Second)
		mustTick(t, esc)
		mustDrain(t, s, clock)
		if got := topLevel(f); got["CPARE"] != 0 {
			t.Fatalf("Parepare alerted 20 s after joining: %v", got)
		}
		if becomesProvince {
			mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare, officePalopo))
		}
		clock.Advance(15 * time.Second)
		mustTick(t, esc)
		mustDrain(t, s, clock)
		got := topLevel(f)
		switch {
		case becomesProvince && (got["CPARE"] != 0 || got["CPLP"] != 0 || got["CSULSEL"] != 1):
			t.Fatalf("province-wide: top-level %v, want CMKS and CSULSEL only", got)
		case !becomesProvince && got["CPARE"] != 1:
			t.Fatalf("office incident: top-level %v, want Parepare's once its window passed", got)
		}
	}
}

// TestLateIncidentExtendedOrReopenedStaysOne: later data that moves a late
// incident's end rewrites its notice; data that shows it still open
// continues the same thread as a live outage (a reply, no second top).
func TestLateIncidentExtendedOrReopenedStaysOne(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	clock.Advance(time.Hour)
	ev := openEvent(1, wed0900, officeMakassar)
	ev.Kind, ev.EndedAt = api.IncidentLate, wed0900.Add(46*time.Second)
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	top := topOf(t, f, "CMKS")

	clock.Advance(time.Minute)
	ev.Kind, ev.EndedAt = api.IncidentUpdated, wed0900.Add(3*time.Minute)
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	if got := lastUpdateOf(f, top); !strings.Contains(got.Blocks, "Durasi:* 3 menit") {
		t.Fatalf("late notice not rewritten with the longer span: %s", got.Blocks)
	}

	clock.Advance(time.Minute)
	ev.Kind, ev.EndedAt = api.IncidentReopened, time.Time{}
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	if got := topLevel(f); len(got) != 1 || got["CMKS"] != 1 {
		t.Fatalf("top-level %v, want the one thread", got)
	}
	if repliesIn(f, top, "reopened") != 1 || !strings.HasPrefix(lastUpdateOf(f, top).Text, "🔴") {
		t.Fatalf("reopened late incident not continued as a live outage: %q %+v", lastUpdateOf(f, top).Text, f.Posts())
	}
}
