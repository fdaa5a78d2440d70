package escalate

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
)

// newFakeClock is a simulated clock that moves only when told.
func newFakeClock(t time.Time) *clock.Manual { return clock.NewManual(t) }

var (
	makassar = mustZone("Asia/Makassar")
	jakarta  = mustZone("Asia/Jakarta")
)

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	officeMakassar = OfficeRef{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73"}
	officeParepare = OfficeRef{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73"}
	officeJakpus   = OfficeRef{Code: "31.71", Name: "Kota Jakarta Pusat", ProvinceCode: "31"}
)

// testPolicy sends each level to its own channel, without a gather
// window (the gather tests set their own).
func testPolicy() Policy {
	p := DefaultPolicy()
	p.GatherWindow = 0
	p.Channels = Channels{National: "CNAT",
		Provinces: map[string]string{"73": "CSULSEL", "31": "CDKI"},
		Offices:   map[string]string{"73.71": "CMKS", "73.72": "CPARE", "31.71": "CJKP"}}
	return p
}

// mustDB returns a fresh migrated database with two provinces, three
// offices and the test policy.
func mustDB(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := mustDBURL(t)
	return pool
}

// mustDBURL is mustDB that also returns the database's URL, for a child
// process to connect to.
func mustDBURL(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	pool := pgtest.Pool(t)
	if err := seed(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool, pool.Config().ConnString()
}

// seed writes what every escalation test starts from.
func seed(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, `
		INSERT INTO provinces (code, name, tz) VALUES
			('73', 'Sulawesi Selatan', 'Asia/Makassar'), ('31', 'DKI Jakarta', 'Asia/Jakarta');
		INSERT INTO offices (code, name, province_code, kind, tz) VALUES
			('73.71', 'Kota Makassar', '73', 'kota', 'Asia/Makassar'),
			('73.72', 'Kota Parepare', '73', 'kota', 'Asia/Makassar'),
			('31.71', 'Kota Jakarta Pusat', '31', 'kota', 'Asia/Jakarta')`); err != nil {
		return fmt.Errorf("seed offices: %w", err)
	}
	return SavePolicy(ctx, escStore(pool), testPolicy())
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// mustObserve hands ev to esc in its own transaction, as the detector would.
func mustObserve(t testing.TB, pool *pgxpool.Pool, esc *Escalator, ev IncidentEvent) {
	t.Helper()
	ctx := context.Background()
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return esc.Observe(ctx, postgres.EscalationTxOf(tx), ev) }); err != nil {
		t.Fatalf("observe %s of incident %d: %v", ev.Kind, ev.IncidentID, err)
	}
}

func mustTick(t testing.TB, esc *Escalator) {
	t.Helper()
	if err := esc.Tick(context.Background()); err != nil {
		t.Fatalf("tick: %v", err)
	}
}

// testSender returns a sender on the fake with short timeouts and clock.
func testSender(pool *pgxpool.Pool, f *fakeSlack, clk clock.Clock, tweak func(*Config)) *Sender {
	cfg := Config{Token: "xoxb-test", APIURL: f.URL(), Clock: clk, Logger: quietLogger(),
		RequestTimeout: 2 * time.Second, BackoffBase: time.Second, BackoffMax: time.Minute}
	if tweak != nil {
		tweak(&cfg)
	}
	return NewSender(escStore(pool), cfg)
}

// mustDrain runs the sender until nothing is left to send, moving the
// simulated clock one channel interval per pass.
func mustDrain(t testing.TB, s *Sender, clock *clock.Manual) {
	t.Helper()
	ctx := context.Background()
	for range 200 {
		n, err := s.RunOnce(ctx)
		if err != nil {
			t.Fatalf("sender: %v", err)
		}
		if n == 0 {
			counts, err := s.store.OutboxCounts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if counts["pending"]+counts["sending"] == 0 {
				return
			}
		}
		clock.Advance(s.cfg.ChannelInterval)
	}
	t.Fatalf("outbox not drained after 200 passes")
}

// outboxStatus returns the status of the row with key.
func outboxStatus(t testing.TB, pool *pgxpool.Pool, key string) (status string, attempts int) {
	t.Helper()
	if err := pool.QueryRow(context.Background(),
		`SELECT status, attempts FROM escalation_outbox WHERE idem_key = $1`, key).Scan(&status, &attempts); err != nil {
		t.Fatalf("outbox row %s: %v", key, err)
	}
	return status, attempts
}

// openEvent is an office-scope central outage of office from at.
func openEvent(id int64, at time.Time, offices ...OfficeRef) IncidentEvent {
	return IncidentEvent{IncidentID: id, Kind: api.IncidentOpened, Offices: offices, Scope: api.ScopeOffice,
		Cause: api.CauseCentral, StartedAt: at}
}

// testStore is the store escalation runs on, keeping the pool for the
// tests' own setup and checks.
type testStore struct {
	*postgres.Escalation
	pool *pgxpool.Pool
}

func escStore(pool *pgxpool.Pool) testStore {
	return testStore{Escalation: postgres.New(pool).Escalation(), pool: pool}
}

// poolOf returns the pool under esc's store.
func poolOf(esc *Escalator) *pgxpool.Pool { return esc.store.(testStore).pool }

func storedPolicy(ctx context.Context, pool *pgxpool.Pool) (Policy, error) {
	p, err := escStore(pool).Policy(ctx)
	return Policy(p), err
}
