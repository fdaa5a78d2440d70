package escalate

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
)

func change(kind string, id int64, start time.Time, end *time.Time, scope string) api.IncidentChange {
	return api.IncidentChange{Kind: kind, Incident: api.Incident{ID: id, StartedAt: start, EndedAt: end,
		Scope: scope, Cause: api.CauseCentral,
		Offices: []api.IncidentOffice{{OfficeCode: "73.71", ProvinceCode: "73", StartedAt: start}}}}
}

func mustHook(t *testing.T, esc *Escalator, ch api.IncidentChange) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, poolOf(esc), func(tx pgx.Tx) error { return esc.Hook(ctx, postgres.EscalationTxOf(tx), ch) }); err != nil {
		t.Fatalf("hook %s: %v", ch.Kind, err)
	}
	// As the detector does once its incident transaction committed.
	esc.AfterIncidents(ctx, []api.IncidentChange{ch})
}

// TestDetectorHookReopenAndRecoverAgain drives escalation through the
// detector's own change type: names come from the offices table, the
// estimator fills the recovery, a reopening puts the top message back to
// open, and the second recovery is told too.
func TestDetectorHookReopenAndRecoverAgain(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	estimates := 0
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger(),
		Estimator: func(ctx context.Context, tx api.EscalationTx, ev IncidentEvent) (*Estimate, error) {
			estimates++
			return &Estimate{Documents: 80 * estimates, OvertimeHours: 3, Cost: 450000}, nil
		}})
	s := testSender(pool, f, clock, nil)

	mustHook(t, esc, change(api.IncidentOpened, 7, wed0900, nil, api.ScopeOffice))
	mustDrain(t, s, clock)
	if top := topOf(t, f, "CMKS"); !strings.Contains(top.Text, "Kota Makassar") {
		t.Fatalf("office name not filled in: %q", top.Text)
	}
	end := wed0900.Add(90 * time.Minute)
	clock.Set(end)
	mustHook(t, esc, change(api.IncidentRecovered, 7, wed0900, &end, api.ScopeOffice))
	mustDrain(t, s, clock)
	if top := topOf(t, f, "CMKS"); !strings.Contains(top.Blocks, "80 dokumen") || !strings.Contains(top.Blocks, "1 jam 30 menit") {
		t.Fatalf("recovered top: %s", top.Blocks)
	}
	mustHook(t, esc, change(api.IncidentReopened, 7, wed0900, nil, api.ScopeOffice))
	mustDrain(t, s, clock)
	top := topOf(t, f, "CMKS")
	if !strings.Contains(top.Text, "Gangguan") || !strings.Contains(top.Blocks, ackActionID) {
		t.Fatalf("reopened top should be open again with its button: %s", top.Blocks)
	}
	if repliesIn(f, top, "reopened") != 1 {
		t.Fatalf("no reopening note: %+v", f.Posts())
	}
	end2 := wed0900.Add(3 * time.Hour)
	clock.Set(end2)
	mustHook(t, esc, change(api.IncidentRecovered, 7, wed0900, &end2, api.ScopeOffice))
	mustDrain(t, s, clock)
	top = topOf(t, f, "CMKS")
	if repliesIn(f, top, "recovered") != 2 || !strings.Contains(top.Blocks, "160 dokumen") {
		t.Fatalf("second recovery: %d replies, top %s", repliesIn(f, top, "recovered"), top.Blocks)
	}
}

// TestRetractedIncidentWithdrawsItsMessages: what is out is marked
// withdrawn, what is not out never goes.
func TestRetractedIncidentWithdrawsItsMessages(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	s := testSender(pool, f, clock, nil)
	mustHook(t, esc, change(api.IncidentOpened, 8, wed0900, nil, api.ScopeOffice))
	mustDrain(t, s, clock)
	clock.Set(wed0900.Add(4 * time.Hour)) // province due (2 working hours) and a reminder due
	mustTick(t, esc)
	mustHook(t, esc, change(api.IncidentRetracted, 8, wed0900, nil, api.ScopeOffice))
	mustDrain(t, s, clock)
	posts := incidentPosts(f)
	if len(posts) != 1 {
		t.Fatalf("after retraction only the first post may exist: %+v", posts)
	}
	if !strings.Contains(posts[0].Text, "Dibatalkan") || strings.Contains(posts[0].Blocks, ackActionID) {
		t.Fatalf("top not withdrawn: %s", posts[0].Blocks)
	}
	given, err := escStore(pool).GivenUp(context.Background(), 10)
	if err != nil || len(given) != 0 {
		t.Fatalf("withdrawn messages are not failures: %+v %v", given, err)
	}
	clock.Advance(8 * time.Hour)
	mustTick(t, esc)
	mustDrain(t, s, clock)
	if len(incidentPosts(f)) != 1 {
		t.Fatal("a retracted incident was escalated later")
	}
}

func TestHookSkipsInvalidChangesWithoutFailingDetection(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	esc := New(escStore(pool), Options{Logger: quietLogger()})
	bad := change(api.IncidentOpened, 9, wed0900, nil, "city")
	mustHook(t, esc, bad)
	if _, err := escStore(pool).Acknowledgement(context.Background(), 9); api.ErrorCode(err) != api.ENotFound {
		t.Fatalf("invalid change was recorded: %v", err)
	}
}

// TestEstimateAfterTheIncidentTransaction: the backlog model never runs
// inside the detector's transaction (it holds the incident lock there); the
// recovery reply is held until AfterIncidents, after the commit, completed
// it with the estimate, and then goes without waiting for the hold.
func TestEstimateAfterTheIncidentTransaction(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	f := newFakeSlack(t)
	clock := newFakeClock(wed0900)
	var inTx atomic.Bool
	var calls atomic.Int32
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger(),
		Estimator: func(ctx context.Context, tx api.EscalationTx, ev IncidentEvent) (*Estimate, error) {
			if inTx.Load() {
				t.Error("the estimator ran inside the detector's transaction")
			}
			calls.Add(1)
			return &Estimate{Documents: 80, OvertimeHours: 3, Cost: 450000}, nil
		}})
	s := testSender(pool, f, clock, nil)
	mustHook(t, esc, change(api.IncidentOpened, 7, wed0900, nil, api.ScopeOffice))
	mustDrain(t, s, clock)

	end := wed0900.Add(90 * time.Minute)
	clock.Set(end)
	ch := change(api.IncidentRecovered, 7, wed0900, &end, api.ScopeOffice)
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		inTx.Store(true)
		defer inTx.Store(false)
		return esc.Hook(ctx, postgres.EscalationTxOf(tx), ch)
	}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	top := topOf(t, f, "CMKS")
	if n := repliesIn(f, top, "recovered"); n != 0 || calls.Load() != 0 {
		t.Fatalf("before AfterIncidents: %d recovery replies sent, %d estimates; want none", n, calls.Load())
	}
	esc.AfterIncidents(ctx, []api.IncidentChange{ch})
	esc.AfterIncidents(ctx, []api.IncidentChange{ch}) // repeated: nothing more
	mustDrain(t, s, clock)
	if got := clock.Now().Sub(end); got >= estimateHold {
		t.Fatalf("the completed reply waited for its hold (%v)", got)
	}
	var reply string
	for _, p := range f.Posts() {
		if p.ThreadTS == top.TS && strings.Contains(p.Key, ":recovered") {
			reply = p.Text
		}
	}
	if !strings.Contains(reply, "80 dokumen") || calls.Load() != 1 {
		t.Fatalf("recovery reply %q after %d estimates; want the estimate, once", reply, calls.Load())
	}
	if top := topOf(t, f, "CMKS"); !strings.Contains(top.Blocks, "80 dokumen") {
		t.Fatalf("top after recovery: %s", top.Blocks)
	}
}
