package escalate

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/clock"
)

var wed0900 = time.Date(2020, 1, 8, 9, 0, 0, 0, makassar)

const openKeyMKS = "incident:1:CMKS:open"

// senderFixture opens incident 1 at Makassar (one message for CMKS queued).
func senderFixture(t *testing.T) (*fakeSlack, *clock.Manual, *Escalator, *Metrics) {
	t.Helper()
	pool := mustDB(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	return newFakeSlack(t), clock, esc, NewMetrics(prometheus.NewRegistry())
}

// metricValue reads one counter or gauge.
func metricValue(c prometheus.Collector) float64 {
	ch := make(chan prometheus.Metric, 1)
	c.Collect(ch)
	var m dto.Metric
	if err := (<-ch).Write(&m); err != nil {
		panic(err)
	}
	if m.Counter != nil {
		return m.Counter.GetValue()
	}
	return m.Gauge.GetValue()
}

func runOnce(t *testing.T, s *Sender) int {
	t.Helper()
	n, err := s.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	return n
}

func TestSenderPostsOnceWithItsKeyInMetadata(t *testing.T) {
	t.Parallel()
	f, clock, esc, m := senderFixture(t)
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.Metrics = m })
	mustDrain(t, s, clock)
	mustDrain(t, s, clock)
	posts := f.Posts()
	if len(posts) != 1 || posts[0].Channel != "CMKS" || posts[0].Key != openKeyMKS || posts[0].ThreadTS != "" {
		t.Fatalf("posts %+v, want one top-level post to CMKS keyed %s", posts, openKeyMKS)
	}
	for _, want := range []string{"Gangguan: Kota Makassar", "Rab 8 Jan 2020 09:00 WITA", "database pusat", "Tandai ditangani", "pantau_ack"} {
		if !strings.Contains(posts[0].Text+posts[0].Blocks, want) {
			t.Errorf("message lacks %q: %s", want, posts[0].Blocks)
		}
	}
	var ts string
	if err := poolOf(esc).QueryRow(context.Background(), `SELECT ts FROM escalation_outbox WHERE idem_key = $1`, openKeyMKS).Scan(&ts); err != nil || ts != posts[0].TS {
		t.Fatalf("stored ts %q (%v), want %q", ts, err, posts[0].TS)
	}
	if got := metricValue(m.sent.WithLabelValues("open")); got != 1 {
		t.Fatalf("sent counter %v, want 1", got)
	}
	if f.count("conversations.history") != 0 {
		t.Fatalf("a first try needs no history lookup: %v", f.Calls())
	}
}

func TestSenderWaitsRetryAfterAndNeverGivesUpOn429(t *testing.T) {
	t.Parallel()
	f, clock, esc, m := senderFixture(t)
	for range 5 {
		f.fail("chat.postMessage", fault{status: 429, retryAfter: "30"})
	}
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.Metrics = m; c.MaxAttempts = 2 })
	for i := range 5 {
		if n := runOnce(t, s); n != 1 {
			t.Fatalf("pass %d handled %d", i, n)
		}
		clock.Advance(29 * time.Second)
		if n := runOnce(t, s); n != 0 {
			t.Fatalf("pass %d: retried before Retry-After", i)
		}
		clock.Advance(time.Second)
	}
	if st, attempts := outboxStatus(t, poolOf(esc), openKeyMKS); st != "pending" || attempts != 0 {
		t.Fatalf("after five 429s: %s with %d attempts, want pending with 0", st, attempts)
	}
	mustDrain(t, s, clock)
	if len(f.Posts()) != 1 {
		t.Fatalf("posts %d, want 1", len(f.Posts()))
	}
	if got := metricValue(m.failures.WithLabelValues("rate_limited")); got != 5 {
		t.Fatalf("rate_limited failures %v, want 5", got)
	}
	// A 429 is a refusal: no reason to search the history before posting.
	if f.count("conversations.history") != 0 {
		t.Fatalf("calls %v", f.Calls())
	}
}

func TestSenderRetriesServerErrorsWithBackoffThenPostsOnce(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	f.fail("chat.postMessage", fault{status: 500}, fault{status: 500})
	s := testSender(poolOf(esc), f, clock, nil)
	runOnce(t, s)
	if st, attempts := outboxStatus(t, poolOf(esc), openKeyMKS); st != "pending" || attempts != 1 {
		t.Fatalf("after a 500: %s/%d", st, attempts)
	}
	if n := runOnce(t, s); n != 0 {
		t.Fatal("retried with no backoff")
	}
	mustDrain(t, s, clock)
	if len(f.Posts()) != 1 {
		t.Fatalf("posts %d, want 1", len(f.Posts()))
	}
	// A 500 may hide an accepted post: every retry looked first.
	if got := f.count("conversations.history"); got != 2 {
		t.Fatalf("history lookups %d, want 2 (calls %v)", got, f.Calls())
	}
}

// TestSenderGivesUpAfterMaxAttemptsVisibly: a message of an incident over
// for more than KeepFor gives up after MaxAttempts and is listed.
func TestSenderGivesUpAfterMaxAttemptsVisibly(t *testing.T) {
	t.Parallel()
	f, clock, esc, m := senderFixture(t)
	for range 3 {
		f.fail("chat.postMessage", fault{status: 500})
	}
	clock.Advance(time.Hour)
	mustObserve(t, poolOf(esc), esc, IncidentEvent{IncidentID: 1, Kind: api.IncidentRecovered, Scope: api.ScopeOffice,
		Cause: api.CauseCentral, StartedAt: wed0900, EndedAt: clock.Now(), Offices: []OfficeRef{officeMakassar}})
	clock.Advance(25 * time.Hour)
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.Metrics = m; c.MaxAttempts = 3; c.GaugeInterval = time.Nanosecond })
	mustDrain(t, s, clock)
	if st, attempts := outboxStatus(t, poolOf(esc), openKeyMKS); st != "given_up" || attempts != 3 {
		t.Fatalf("got %s/%d, want given_up/3", st, attempts)
	}
	list, err := escStore(poolOf(esc)).GivenUp(context.Background(), 10)
	// The top, and its recovery reply and update that can never be threaded.
	if err != nil || len(list) != 3 || list[2].Key != openKeyMKS || !strings.Contains(list[2].LastError, "500") {
		t.Fatalf("GivenUp = %+v, %v", list, err)
	}
	if got := metricValue(m.givenUp); got != 1 {
		t.Fatalf("given-up counter %v", got)
	}
	if got := metricValue(m.outbox.WithLabelValues("given_up")); got != 3 {
		t.Fatalf("given-up gauge %v", got)
	}
	// pantau admin slack-retry: every given-up message back in line.
	if n, err := escStore(poolOf(esc)).Requeue(context.Background(), "", 0, clock.Now()); err != nil || n != 3 {
		t.Fatalf("requeued %d, %v", n, err)
	}
	mustDrain(t, s, clock)
	if len(f.Posts()) != 2 || f.count("chat.update") != 1 {
		t.Fatalf("requeued messages: posts %+v, calls %v", f.Posts(), f.Calls())
	}
}

func TestSenderTreatsAHangAsUnknownAndDoesNotRepost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		accept       bool
		wantAvoided  float64
		wantPostCall int
	}{
		{"slack took the post then hung", true, 1, 1},
		{"slack hung before taking it", false, 0, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, clock, esc, m := senderFixture(t)
			f.fail("chat.postMessage", fault{hang: true, accept: tc.accept})
			s := testSender(poolOf(esc), f, clock, func(c *Config) { c.Metrics = m; c.RequestTimeout = 300 * time.Millisecond })
			mustDrain(t, s, clock)
			if got := len(f.Posts()); got != 1 {
				t.Fatalf("posts %d, want exactly 1", got)
			}
			if got := f.count("chat.postMessage"); got != tc.wantPostCall {
				t.Fatalf("postMessage calls %d, want %d", got, tc.wantPostCall)
			}
			if got := metricValue(m.deduplicated); got != tc.wantAvoided {
				t.Fatalf("duplicates avoided %v, want %v", got, tc.wantAvoided)
			}
		})
	}
}

func TestSenderKeepsOneMessagePerSecondPerChannel(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	for id := int64(2); id <= 3; id++ {
		mustObserve(t, poolOf(esc), esc, openEvent(id, wed0900, officeMakassar))
	}
	mustObserve(t, poolOf(esc), esc, openEvent(4, wed0900, officeParepare))
	s := testSender(poolOf(esc), f, clock, nil)
	if n := runOnce(t, s); n != 2 {
		t.Fatalf("first pass sent %d, want 2 (one per channel)", n)
	}
	clock.Advance(999 * time.Millisecond)
	if n := runOnce(t, s); n != 0 {
		t.Fatalf("sent %d inside the channel's second", n)
	}
	clock.Advance(time.Millisecond)
	if n := runOnce(t, s); n != 1 {
		t.Fatalf("sent %d after a second, want 1", n)
	}
	clock.Advance(time.Second)
	runOnce(t, s)
	var mks []string
	for _, p := range f.Posts() {
		if p.Channel == "CMKS" {
			mks = append(mks, p.Key)
		}
	}
	want := []string{"incident:1:CMKS:open", "incident:2:CMKS:open", "incident:3:CMKS:open"}
	if strings.Join(mks, ",") != strings.Join(want, ",") {
		t.Fatalf("CMKS got %v, want in order %v", mks, want)
	}
}

func TestSenderIsFairAcrossChannels(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	for id := int64(2); id <= 5; id++ {
		mustObserve(t, poolOf(esc), esc, openEvent(id, wed0900, officeMakassar))
	}
	mustObserve(t, poolOf(esc), esc, openEvent(6, wed0900, officeParepare))
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.BatchSize = 2 })
	if n := runOnce(t, s); n != 2 {
		t.Fatalf("first pass sent %d, want 2", n)
	}
	var channels []string
	for _, p := range f.Posts() {
		channels = append(channels, p.Channel)
	}
	slices.Sort(channels)
	if strings.Join(channels, ",") != "CMKS,CPARE" {
		t.Fatalf("first pass went to %v: Parepare waited behind Makassar's queue", channels)
	}
}
