package escalate

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
)

// Merges: two incidents found to be one cut. The detector tells the
// survivor's change and then the merged one's retraction, in one
// transaction; every channel keeps one top message for the cut.

// mustObserveTogether hands evs to esc in one transaction, in order, as
// the detector does with one recomputation's changes.
func mustObserveTogether(t testing.TB, pool *pgxpool.Pool, esc *Escalator, evs ...IncidentEvent) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, ev := range evs {
			if err := esc.Observe(ctx, postgres.EscalationTxOf(tx), ev); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatalf("observe %d changes together: %v", len(evs), err)
	}
}

// mergedEvent is incident id's retraction into survivor.
func mergedEvent(id, survivor int64, scope string, start time.Time, offices ...OfficeRef) IncidentEvent {
	ev := scoped(id, scope, start, offices...)
	ev.Kind, ev.MergedInto = api.IncidentRetracted, survivor
	return ev
}

// mustOneTopPerChannel fails when a channel holds more than one top-level
// incident message, and returns the count per channel.
func mustOneTopPerChannel(t *testing.T, f *fakeSlack) map[string]int {
	t.Helper()
	got := topLevel(f)
	for ch, n := range got {
		if n > 1 {
			t.Fatalf("%d top-level messages in %s (%v); posts %+v", n, ch, got, incidentPosts(f))
		}
	}
	return got
}

// TestMergeIntoNationalKeepsOneTopPerChannel: a province incident (73) and
// an office incident in another province (31), each with its message out,
// become one national incident. Jakarta Pusat's office thread passes to
// the survivor: a reply points to the national message and its top is
// rewritten, never a second top-level alert; the old button acts on the
// survivor; the recovery reaches the inherited thread too.
func TestMergeIntoNationalKeepsOneTopPerChannel(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	clock.Advance(20 * time.Second)
	mustObserve(t, pool, esc, openEvent(2, wed0900.Add(20*time.Second), officeJakpus))
	mustDrain(t, s, clock)
	if got := topLevel(f); got["CSULSEL"] != 1 || got["CJKP"] != 1 {
		t.Fatalf("before the merge: %v", got)
	}
	jkp := topOf(t, f, "CJKP")

	clock.Advance(20 * time.Second)
	mustObserveTogether(t, pool, esc,
		scoped(1, api.ScopeNational, wed0900, officeMakassar, officeParepare, officeJakpus),
		mergedEvent(2, 1, api.ScopeOffice, wed0900.Add(20*time.Second), officeJakpus))
	mustDrain(t, s, clock)
	got := mustOneTopPerChannel(t, f)
	for _, ch := range []string{"CSULSEL", "CJKP", "CNAT", "CDKI"} {
		if got[ch] != 1 {
			t.Fatalf("top-level %v, want one in %s", got, ch)
		}
	}
	if n := repliesIn(f, jkp, "pointer"); n != 1 {
		t.Fatalf("%d pointer replies in Jakarta Pusat's thread, want 1: %+v", n, f.Posts())
	}
	if !strings.Contains(lastUpdateOf(f, jkp).Blocks, "nasional") {
		t.Fatalf("inherited top not rewritten to the national incident: %+v", f.Updates())
	}

	// The button on Jakarta Pusat's message still names incident 2.
	changed, err := esc.Acknowledge(context.Background(), 2, "CJKP", "U7", "Sari")
	if err != nil || !changed {
		t.Fatalf("ack through the merged incident: changed %v, %v", changed, err)
	}
	if ack, err := escStore(pool).Acknowledgement(t.Context(), 1); err != nil || ack.Who() != "Sari" {
		t.Fatalf("survivor's acknowledgement %+v, %v", ack, err)
	}

	clock.Advance(time.Hour)
	ev := scoped(1, api.ScopeNational, wed0900, officeMakassar, officeParepare, officeJakpus)
	ev.Kind, ev.EndedAt = api.IncidentRecovered, clock.Now()
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	mustOneTopPerChannel(t, f)
	for _, ch := range []string{"CSULSEL", "CJKP", "CNAT", "CDKI"} {
		top := topOf(t, f, ch)
		if repliesIn(f, top, "recovered") != 1 {
			t.Errorf("no recovery reply in %s: %+v", ch, f.Posts())
		}
		if !strings.HasPrefix(lastUpdateOf(f, top).Text, "✅") {
			t.Errorf("%s top not recovered: %q", ch, lastUpdateOf(f, top).Text)
		}
	}
}

// TestMergeBeforeTheOfficeMessageWentOut: office incidents inside their
// gather window found to be one province incident: the office messages
// never go out, the province message lists every office.
func TestMergeBeforeTheOfficeMessageWentOut(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, func(p *Policy) { p.GatherWindow = 30 * time.Second })
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	clock.Advance(2 * time.Second)
	mustObserve(t, pool, esc, openEvent(2, wed0900.Add(2*time.Second), officeParepare))
	mustTick(t, esc)
	mustDrain(t, s, clock)
	clock.Advance(5 * time.Second)
	mustObserveTogether(t, pool, esc,
		scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare, officePalopo),
		mergedEvent(2, 1, api.ScopeOffice, wed0900.Add(2*time.Second), officeParepare))
	clock.Advance(time.Minute)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if got := mustOneTopPerChannel(t, f); len(got) != 1 || got["CSULSEL"] != 1 {
		t.Fatalf("top-level %v, want only the province's", got)
	}
	if top := topOf(t, f, "CSULSEL"); !strings.Contains(top.Blocks, "3 kantor") {
		t.Fatalf("province message does not list the three offices: %s", top.Blocks)
	}
}

// TestMergeKeepsTheTopSlackHas: the survivor became province-wide in the
// same recomputation that merged a province incident whose message is out
// in the province channel: the survivor's own province message, still
// waiting, is withdrawn and the one Slack has is rewritten to list every
// office; the survivor's office thread gets its pointer.
func TestMergeKeepsTheTopSlackHas(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	clock.Advance(10 * time.Second)
	mustObserve(t, pool, esc, scoped(2, api.ScopeProvince, wed0900.Add(10*time.Second), officeParepare, officePalopo))
	mustDrain(t, s, clock)
	if got := topLevel(f); got["CMKS"] != 1 || got["CSULSEL"] != 1 {
		t.Fatalf("before the merge: %v", got)
	}
	prov := topOf(t, f, "CSULSEL")
	clock.Advance(10 * time.Second)
	mustObserveTogether(t, pool, esc,
		scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare, officePalopo),
		mergedEvent(2, 1, api.ScopeProvince, wed0900.Add(10*time.Second), officeParepare, officePalopo))
	mustDrain(t, s, clock)
	got := mustOneTopPerChannel(t, f)
	if got["CSULSEL"] != 1 || got["CMKS"] != 1 || got["CPARE"]+got["CPLP"] != 0 {
		t.Fatalf("top-level %v", got)
	}
	if !strings.Contains(lastUpdateOf(f, prov).Blocks, "Kota Makassar (73.71)") {
		t.Fatalf("province message not rewritten with Makassar: %+v", f.Updates())
	}
	if n := repliesIn(f, topOf(t, f, "CMKS"), "pointer"); n != 1 {
		t.Fatalf("%d pointers in Makassar's thread, want 1", n)
	}
	var threads int
	if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM escalation_threads WHERE incident_id = 1`).Scan(&threads); err != nil || threads != 2 {
		t.Fatalf("survivor has %d threads (%v), want CMKS and the inherited CSULSEL", threads, err)
	}
}

// lastUpdateOf is the newest edit of top, or top itself when never edited.
func lastUpdateOf(f *fakeSlack, top fakeMsg) fakeMsg {
	last := top
	for _, u := range f.Updates() {
		if u.Channel == top.Channel && u.TS == top.TS {
			last = u
		}
	}
	return last
}

// TestFoldWithdrawsAnOfficeTopNotYetSent: an office message still in the
// outbox when its incident becomes province-wide is withdrawn, never sent
// beside the province message.
func TestFoldWithdrawsAnOfficeTopNotYetSent(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	clock.Advance(time.Second)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	mustDrain(t, s, clock)
	if got := topLevel(f); len(got) != 1 || got["CSULSEL"] != 1 {
		t.Fatalf("top-level %v, want only the province's", got)
	}
	if st, _ := outboxStatus(t, pool, "incident:1:CMKS:open"); st != "cancelled" {
		t.Fatalf("withdrawn office message is %s", st)
	}
}

// TestMergeOfTwoTopsInOneChannelSaysWhere: when both incidents' messages
// are out in one channel (one office, two incidents later found one), the
// merged one's top is rewritten to name the survivor; nothing more is sent
// under it.
func TestMergeOfTwoTopsInOneChannelSaysWhere(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	ev := openEvent(2, wed0900.Add(20*time.Minute), officeMakassar)
	clock.Advance(20 * time.Minute)
	mustObserve(t, pool, esc, ev)
	mustDrain(t, s, clock)
	var second fakeMsg
	for _, p := range incidentPosts(f) {
		if strings.HasPrefix(p.Key, "incident:2:CMKS:open") {
			second = p
		}
	}
	clock.Advance(time.Minute)
	mustObserveTogether(t, pool, esc, openEvent(1, wed0900, officeMakassar),
		mergedEvent(2, 1, api.ScopeOffice, wed0900.Add(20*time.Minute), officeMakassar))
	clock.Advance(5 * time.Hour)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if top := lastUpdateOf(f, second); !strings.Contains(top.Text, "Digabung") || !strings.Contains(top.Blocks, "gangguan #1") {
		t.Fatalf("merged top %q %s, want it to name incident 1", top.Text, top.Blocks)
	}
	if n := repliesIn(f, second, "reminder"); n != 0 {
		t.Fatalf("%d reminders under the merged incident's message", n)
	}
}

// TestMergeInheritsATopWhoseFateIsUnknown: the merged incident's top was
// taken by Slack but the answer never came (a retry must look before
// posting); the survivor inherits it with its key, so the retry finds it,
// and the channel still has one top message, with the pointer under it.
func TestMergeInheritsATopWhoseFateIsUnknown(t *testing.T) {
	t.Parallel()
	pool, f, clock, esc, s := timingFixture(t, nil)
	mustObserve(t, pool, esc, scoped(1, api.ScopeProvince, wed0900, officeMakassar, officeParepare))
	mustDrain(t, s, clock)
	f.fail("chat.postMessage", fault{hang: true, accept: true})
	mustObserve(t, pool, esc, openEvent(2, wed0900.Add(20*time.Second), officeJakpus))
	runOnce(t, s) // taken, never answered: the row may have been posted
	if st, _ := outboxStatus(t, pool, "incident:2:CJKP:open"); st == "sent" {
		t.Fatal("the hung post was recorded as sent")
	}
	clock.Advance(20 * time.Second)
	mustObserveTogether(t, pool, esc,
		scoped(1, api.ScopeNational, wed0900, officeMakassar, officeParepare, officeJakpus),
		mergedEvent(2, 1, api.ScopeOffice, wed0900.Add(20*time.Second), officeJakpus))
	clock.Advance(time.Minute)
	mustDrain(t, s, clock)
	if got := mustOneTopPerChannel(t, f); got["CJKP"] != 1 || got["CNAT"] != 1 {
		t.Fatalf("top-level %v", got)
	}
	if n := repliesIn(f, topOf(t, f, "CJKP"), "pointer"); n != 1 {
		t.Fatalf("%d pointers under Jakarta Pusat's only top, want 1: %+v", n, f.Posts())
	}
}
