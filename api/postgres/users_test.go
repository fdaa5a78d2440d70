package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
)

func TestPasswordHash(t *testing.T) {
	h, err := postgres.HashPassword("rahasia-sekali")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") {
		t.Fatalf("hash %q is not an argon2id PHC string", h)
	}
	h2, _ := postgres.HashPassword("rahasia-sekali")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for _, tc := range []struct {
		hash, pw string
		want     bool
	}{
		{h, "rahasia-sekali", true},
		{h, "rahasia-sekalI", false},
		{h[:len(h)-4], "rahasia-sekali", false},
		{"$2a$10$bcrypt", "rahasia-sekali", false},
		{"", "", false},
	} {
		if got := postgres.VerifyPassword(tc.hash, tc.pw); got != tc.want {
			t.Errorf("VerifyPassword(%.30q, %q) = %v, want %v", tc.hash, tc.pw, got, tc.want)
		}
	}
}

func TestNewUserValidate(t *testing.T) {
	pw := "0123456789"
	tests := []struct {
		name  string
		u     api.NewUser
		field string
	}{
		{"staff without office", api.NewUser{Email: "a@b.id", Role: api.RoleOfficeStaff, Password: pw}, "office"},
		{"provincial without province", api.NewUser{Email: "a@b.id", Role: api.RoleProvincialOfficial, Password: pw}, "province"},
		{"national with an office", api.NewUser{Email: "a@b.id", Role: api.RoleNationalOperator, OfficeCode: "73.71", Password: pw}, "role"},
		{"unknown role", api.NewUser{Email: "a@b.id", Role: "mayor", Password: pw}, "role"},
		{"short password", api.NewUser{Email: "a@b.id", Role: api.RoleAdmin, Password: "short"}, "password"},
		{"bad email", api.NewUser{Email: "nobody", Role: api.RoleAdmin, Password: pw}, "email"},
		{"valid", api.NewUser{Email: "a@b.id", Role: api.RoleCityOfficial, OfficeCode: "73.71", Password: pw}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := api.ErrorField(tc.u.Validate()); got != tc.field {
				t.Fatalf("field %q, want %q", got, tc.field)
			}
		})
	}
}

func TestSessionsAndThrottle(t *testing.T) {
	ctx := context.Background()
	store := pgtest.Store(t)
	mks := pgtest.Makassar(t, store)
	u, err := store.CreateUser(ctx, api.NewUser{Email: "Staf@Makassar.go.id", Role: api.RoleOfficeStaff, OfficeCode: mks.Code, Password: "0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateUser(ctx, api.NewUser{Email: "staf@makassar.go.id", Role: api.RoleAdmin, Password: "0123456789"}); api.ErrorCode(err) != api.EConflict {
		t.Fatalf("same email twice (any case): %v, want conflict", err)
	}
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	th := api.Throttle{Free: 2, ClientFree: 100, Base: time.Minute, Max: 4 * time.Minute}
	if _, err := store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.0.0.1", now, th); err != nil {
		t.Fatalf("good login: %v", err)
	}
	// Failures 1, 2 pass; from 2 on the account waits 1, 2, 4, 4 minutes.
	for i, wantWait := range []time.Duration{0, time.Minute, 2 * time.Minute, 4 * time.Minute, 4 * time.Minute} {
		_, err := store.Login(ctx, "staf@makassar.go.id", "wrong", "10.0.0.1", now, th)
		if api.ErrorCode(err) != api.EUnauthorized {
			t.Fatalf("failure %d: %v, want unauthorized", i+1, err)
		}
		_, err = store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.0.0.1", now, th)
		var te *api.ThrottledError
		switch {
		case wantWait == 0 && err != nil:
			t.Fatalf("after failure %d: %v, want a login", i+1, err)
		case wantWait > 0 && (!asThrottled(err, &te) || te.RetryAfter != wantWait || te.Busy):
			t.Fatalf("after failure %d: %v, want throttled for %s", i+1, err, wantWait)
		}
		if wantWait > 0 {
			// The account waits from any address: the throttle is per
			// account, so many addresses cannot share out the guesses.
			if _, err := store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.9.9.9", now, th); !asThrottled(err, &te) {
				t.Fatalf("after failure %d, from another address: %v, want throttled", i+1, err)
			}
		}
		now = now.Add(wantWait)
		if wantWait == 0 {
			// A success cleared the failures: start the count again.
			_, _ = store.Login(ctx, "staf@makassar.go.id", "wrong", "10.0.0.1", now, th)
		}
	}
	if _, err := store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.0.0.2", now, th); err != nil {
		t.Fatalf("login once the wait is over: %v", err)
	}
	token, sess, err := store.CreateSession(ctx, u, now, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.SessionByToken(ctx, token, now.Add(30*time.Minute))
	if err != nil || got.User.ID != u.ID || got.CSRFToken != sess.CSRFToken || got.User.OfficeCode != "73.71" {
		t.Fatalf("session: %+v, %v", got, err)
	}
	if _, err := store.SessionByToken(ctx, token, now.Add(2*time.Hour)); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("expired session: %v, want unauthorized", err)
	}
	if n, err := store.PruneLogins(ctx, now.Add(2*time.Hour)); err != nil || n != 1 {
		t.Fatalf("prune after 2 h: %d rows (%v), want the expired session only", n, err)
	}
	if n, err := store.PruneLogins(ctx, now.Add(72*time.Hour)); err != nil || n != 2 {
		t.Fatalf("prune after 3 days: %d rows (%v), want the two addresses' counts (a throttled attempt writes none)", n, err)
	}
	if _, err := store.SessionByToken(ctx, token, now); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("pruned session still there: %v", err)
	}
	token, _, _ = store.CreateSession(ctx, u, now, time.Hour)
	if err := store.DisableUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := store.SessionByToken(ctx, token, now); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("session of a disabled user: %v, want unauthorized", err)
	}
	if _, err := store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.0.0.3", now, th); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("login of a disabled user: %v, want unauthorized", err)
	}
}

func asThrottled(err error, te **api.ThrottledError) bool {
	t, ok := err.(*api.ThrottledError)
	*te = t
	return ok
}

// Thirty parallel wrong passwords for one account: each is counted before
// it is checked, so no more than the free ones are checked at all.
func TestThrottleHoldsInParallel(t *testing.T) {
	ctx := context.Background()
	store := pgtest.Store(t)
	if _, err := store.CreateUser(ctx, api.NewUser{Email: "admin@pantau.test", Role: api.RoleAdmin, Password: "0123456789"}); err != nil {
		t.Fatal(err)
	}
	store.SetHashGate(postgres.NewHashGate(2, time.Minute))
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	th := api.Throttle{Free: 3, ClientFree: 10, Base: time.Minute, Max: 4 * time.Minute}
	for _, tc := range []struct {
		name        string
		email, addr func(i int) string
		checked     int
	}{
		{"one account from many addresses", func(int) string { return "admin@pantau.test" }, func(i int) string { return fmt.Sprintf("10.0.1.%d", i) }, 3},
		{"many accounts from one address", func(i int) string { return fmt.Sprintf("u%d@pantau.test", i) }, func(int) string { return "10.0.2.1" }, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var (
				wg                 sync.WaitGroup
				checked, throttled atomic.Int32
			)
			for i := range 30 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := store.Login(ctx, tc.email(i), "wrong", tc.addr(i), now, th)
					var te *api.ThrottledError
					switch {
					case api.ErrorCode(err) == api.EUnauthorized:
						checked.Add(1)
					case asThrottled(err, &te) && !te.Busy:
						throttled.Add(1)
					default:
						t.Errorf("attempt %d: %v", i, err)
					}
				}()
			}
			wg.Wait()
			if int(checked.Load()) != tc.checked || throttled.Load() != int32(30-tc.checked) {
				t.Fatalf("%d checked, %d throttled; want %d checked", checked.Load(), throttled.Load(), tc.checked)
			}
		})
	}
}

// Refused input names its field and never reaches the database's error.
func TestLoginRefusesBadText(t *testing.T) {
	store := pgtest.Store(t)
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	for _, tc := range []struct{ email, password, field string }{
		{"\x00", "x", "email"}, {"a\xff@b", "x", "email"}, {"a@b", strings.Repeat("p", postgres.MaxPassword+1), "password"},
		{"a@b", "p\x00", "password"},
	} {
		if _, err := store.Login(context.Background(), tc.email, tc.password, "10.0.0.1", now, api.DefaultThrottle); api.ErrorField(err) != tc.field {
			t.Errorf("login %q: %v, want invalid naming %s", tc.email, err, tc.field)
		}
	}
}

// The gate never runs more than its slots at once and turns away what
// waits too long, with a Retry-After.
func TestHashGateBoundsConcurrency(t *testing.T) {
	store := pgtest.Store(t)
	if _, err := store.CreateUser(context.Background(), api.NewUser{Email: "admin@pantau.test", Role: api.RoleAdmin, Password: "0123456789"}); err != nil {
		t.Fatal(err)
	}
	store.SetHashGate(postgres.NewHashGate(1, time.Millisecond))
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	th := api.Throttle{Free: 1000, ClientFree: 1000, Base: time.Minute, Max: time.Minute}
	var (
		wg         sync.WaitGroup
		busy, done atomic.Int32
	)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := store.Login(context.Background(), "admin@pantau.test", "0123456789", fmt.Sprintf("10.0.3.%d", i), now, th)
			var te *api.ThrottledError
			switch {
			case err == nil:
				done.Add(1)
			case asThrottled(err, &te) && te.Busy && te.RetryAfter > 0:
				busy.Add(1)
			default:
				t.Errorf("login %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if busy.Load() == 0 || done.Load() == 0 {
		t.Fatalf("%d logged in, %d busy; want some of each with one slot and no wait", done.Load(), busy.Load())
	}
	// A busy attempt was never checked: it left no failure behind.
	var failures int
	if err := store.Pool().QueryRow(context.Background(), `SELECT coalesce(sum(failures), 0) FROM login_throttle`).Scan(&failures); err != nil || failures != 0 {
		t.Fatalf("%d failures left behind (%v)", failures, err)
	}
}
