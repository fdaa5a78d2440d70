package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
)

// TestStartStopsMidFlightAndReleasesTheRow cancels a running sender while
// Slack hangs on its post: Start returns, the row is back in line with no
// attempt spent, and the next sender looks before posting once.
func TestStartStopsMidFlightAndReleasesTheRow(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	f.fail("chat.postMessage", fault{hang: true})
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.PollInterval = 10 * time.Millisecond })
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Start(ctx); close(done) }()
	f.waitFor(t, "the post", func(f *fakeSlack) bool { return len(f.calls) > 0 })
	cancel()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Start did not return within 30 s of its context's end")
	}
	if st, attempts := outboxStatus(t, poolOf(esc), openKeyMKS); st != "pending" || attempts != 0 {
		t.Fatalf("after shutdown: %s/%d, want pending/0", st, attempts)
	}
	mustDrain(t, testSender(poolOf(esc), f, clock, nil), clock)
	if len(f.Posts()) != 1 || f.count("conversations.history") != 1 {
		t.Fatalf("posts %d, calls %v; want one post after one lookup", len(f.Posts()), f.Calls())
	}
}

// TestThreadReplyRetryLooksInTheThread: a reply whose post may have gone
// through is looked for with conversations.replies, not posted twice.
func TestThreadReplyRetryLooksInTheThread(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.RequestTimeout = 300 * time.Millisecond })
	mustDrain(t, s, clock)
	if _, err := esc.Acknowledge(context.Background(), 1, "CMKS", "U9", ""); err != nil {
		t.Fatal(err)
	}
	f.fail("chat.postMessage", fault{hang: true, accept: true})
	mustDrain(t, s, clock)
	var acks []fakeMsg
	for _, p := range f.Posts() {
		if strings.Contains(p.Key, ":ack:") {
			acks = append(acks, p)
		}
	}
	if len(acks) != 1 || acks[0].ThreadTS != f.Posts()[0].TS {
		t.Fatalf("ack replies %+v, want one in the thread", acks)
	}
	if f.count("conversations.replies") != 1 || f.count("conversations.history") != 0 {
		t.Fatalf("calls %v", f.Calls())
	}
	if _, err := esc.Acknowledge(context.Background(), 1, "CMKS", "U10", ""); err != nil {
		t.Fatal(err)
	}
	if ack, _ := escStore(poolOf(esc)).Acknowledgement(context.Background(), 1); ack.By != "U9" {
		t.Fatalf("a second press changed the acknowledgement to %q", ack.By)
	}
}

// TestRepliesWaitForTheirTopMessage: nothing is threaded under a message
// that is not out yet, and while its incident is open nothing gives up:
// when Slack answers again, the top goes first, then its reply.
func TestRepliesWaitForTheirTopMessage(t *testing.T) {
	t.Parallel()
	f, clock, esc, m := senderFixture(t)
	for range 6 {
		f.fail("chat.postMessage", fault{status: 500})
	}
	s := testSender(poolOf(esc), f, clock, func(c *Config) { c.Metrics = m; c.MaxAttempts = 2 })
	runOnce(t, s) // the top message fails once
	if _, err := esc.Acknowledge(context.Background(), 1, "CMKS", "U9", "Andi"); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		clock.Advance(time.Hour)
		runOnce(t, s)
	}
	if len(f.Posts()) != 0 || f.count("chat.update") != 0 {
		t.Fatalf("posted or updated without a top message: %v", f.Calls())
	}
	if st, attempts := outboxStatus(t, poolOf(esc), openKeyMKS); st != "pending" || attempts != 6 {
		t.Fatalf("top message %s/%d, want pending after 6 failures (never given up while open)", st, attempts)
	}
	mustDrain(t, s, clock)
	posts := f.Posts()
	if len(posts) != 2 || posts[0].Key != openKeyMKS || !strings.Contains(posts[1].Key, ":ack:") || posts[1].ThreadTS != posts[0].TS {
		t.Fatalf("posts %+v, want the top then its ack reply", posts)
	}
	if got := metricValue(m.givenUp); got != 0 {
		t.Fatalf("given-up counter %v, want 0", got)
	}
}

func TestMetricsRegisterUnderTheirNames(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg)
	m.sent.WithLabelValues("open").Inc()
	m.failures.WithLabelValues("rate_limited").Inc()
	m.outbox.WithLabelValues("pending").Set(1)
	m.interactions.WithLabelValues("acknowledged").Inc()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, f := range families {
		got[f.GetName()] = true
	}
	for _, name := range []string{"pantau_escalation_messages_sent_total", "pantau_escalation_send_failures_total",
		"pantau_escalation_messages_given_up_total", "pantau_escalation_duplicates_avoided_total",
		"pantau_escalation_outbox_messages", "pantau_slack_interactions_total"} {
		if !got[name] {
			t.Errorf("%s not registered", name)
		}
	}
}

func TestWords(t *testing.T) {
	id, en := lex("id"), lex("en")
	tests := []struct{ got, want string }{
		{id.span(8*24*time.Hour + 30*time.Minute), "8 hari 0 jam 30 menit"},
		{id.span(2*time.Hour + 5*time.Minute), "2 jam 5 menit"},
		{id.span(59 * time.Second), "1 menit"},
		{en.span(26 * time.Hour), "1 d 2 h 0 min"},
		{rupiah(12345000), "Rp 12.345.000"},
		{rupiah(999), "Rp 999"},
		{rupiah(1000), "Rp 1.000"},
		{id.when(time.Date(2020, 1, 16, 8, 5, 0, 0, time.UTC), mustZone("Asia/Jayapura")), "Kam 16 Jan 2020 17:05 WIT"},
		{lex("xx").outage, "Gangguan"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestTwoSendersPostEachMessageOnce runs two senders (two server
// instances) over one outbox at once.
func TestTwoSendersPostEachMessageOnce(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	for id := int64(2); id <= 12; id++ {
		office := []OfficeRef{officeMakassar, officeParepare, officeJakpus}[id%3]
		mustObserve(t, poolOf(esc), esc, openEvent(id, wed0900, office))
	}
	a, b := testSender(poolOf(esc), f, clock, nil), testSender(poolOf(esc), f, clock, nil)
	for range 10 {
		errs := make(chan error, 2)
		for _, s := range []*Sender{a, b} {
			go func() { _, err := s.RunOnce(context.Background()); errs <- err }()
		}
		for range 2 {
			select {
			case err := <-errs:
				if err != nil {
					t.Fatal(err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("a pass did not end within 30 s")
			}
		}
		clock.Advance(time.Second)
	}
	seen := map[string]int{}
	for _, p := range f.Posts() {
		seen[p.Key]++
	}
	if len(seen) != 12 {
		t.Fatalf("%d distinct messages posted, want 12", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s posted %d times", k, n)
		}
	}
}

func TestPruneKeepsOpenIncidentsRows(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	mustObserve(t, poolOf(esc), esc, openEvent(2, wed0900, officeParepare))
	s := testSender(poolOf(esc), f, clock, nil)
	mustDrain(t, s, clock)
	clock.Advance(time.Hour)
	mustObserve(t, poolOf(esc), esc, IncidentEvent{IncidentID: 2, Kind: api.IncidentRecovered, Scope: api.ScopeOffice, Cause: api.CauseCentral,
		StartedAt: wed0900, EndedAt: clock.Now(), Offices: []OfficeRef{officeParepare}})
	mustDrain(t, s, clock)
	n, err := escStore(poolOf(esc)).PruneOutbox(context.Background(), clock.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 { // incident 2: open, recovered reply, update
		t.Fatalf("pruned %d rows, want 3", n)
	}
	if st, _ := outboxStatus(t, poolOf(esc), openKeyMKS); st != "sent" {
		t.Fatalf("open incident 1 lost its top message row: %s", st)
	}
}

// TestChannelPaceHoldsAcrossSenders: two senders (two replicas) at the
// same instant make one call per channel per second between them.
func TestChannelPaceHoldsAcrossSenders(t *testing.T) {
	t.Parallel()
	f, clock, esc, _ := senderFixture(t)
	for id := int64(2); id <= 4; id++ {
		mustObserve(t, poolOf(esc), esc, openEvent(id, wed0900, officeMakassar))
	}
	a, b := testSender(poolOf(esc), f, clock, nil), testSender(poolOf(esc), f, clock, nil)
	for second := 1; second <= 4; second++ {
		for _, s := range []*Sender{a, b, a, b} {
			runOnce(t, s)
		}
		if got := len(f.Posts()); got != second {
			t.Fatalf("after %d s: %d posts to CMKS, want %d (one a second across both senders)", second, got, second)
		}
		clock.Advance(time.Second)
	}
}
