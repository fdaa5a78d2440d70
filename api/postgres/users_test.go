package postgres_test

import (
	"context"
	"strings"
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
	th := api.Throttle{Free: 2, Base: time.Minute, Max: 4 * time.Minute}
	if _, err := store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.0.0.1", now, th); err != nil {
		t.Fatalf("good login: %v", err)
	}
	// Failures 1, 2 pass; from 2 on the pair waits 1, 2, 4, 4 minutes.
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
		case wantWait > 0 && (!asThrottled(err, &te) || te.RetryAfter != wantWait):
			t.Fatalf("after failure %d: %v, want throttled for %s", i+1, err, wantWait)
		}
		now = now.Add(wantWait)
		if wantWait == 0 {
			// A success cleared the failures: start the count again.
			_, _ = store.Login(ctx, "staf@makassar.go.id", "wrong", "10.0.0.1", now, th)
		}
	}
	// Another address is not slowed by this one's failures.
	if _, err := store.Login(ctx, "staf@makassar.go.id", "0123456789", "10.0.0.2", now, th); err != nil {
		t.Fatalf("login from another address: %v", err)
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
	if n, err := store.PruneLogins(ctx, now.Add(72*time.Hour)); err != nil || n != 1 {
		t.Fatalf("prune after 3 days: %d rows (%v), want the old failures of 10.0.0.1", n, err)
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
