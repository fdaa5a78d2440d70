package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
)

func TestAPITokenLifecycle(t *testing.T) {
	s := mustModelOffices(t)
	ctx := context.Background()
	tok, secret, err := s.CreateAPIToken(ctx, api.NewAPIToken{Name: "sensus-harian", Role: api.RoleOfficeStaff,
		OfficeCode: "73.71", CreatedBy: "admin@example.id"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "pat_") || !postgres.IsAPIToken(secret) || tok.ID == 0 {
		t.Fatalf("token %q, row %+v", secret, tok)
	}
	var stored int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM api_tokens WHERE position($1::bytea in token_hash) > 0 OR created_by = $2`,
		[]byte(secret), secret).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the token itself is stored (%d rows, %v)", stored, err)
	}

	now := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	got, err := s.AuthenticateAPIToken(ctx, secret, now)
	if err != nil || got.ID != tok.ID || got.Role != api.RoleOfficeStaff || got.OfficeCode != "73.71" {
		t.Fatalf("authenticate = %+v, %v", got, err)
	}
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(now) {
		t.Fatalf("last use %v, want %v", got.LastUsedAt, now)
	}
	// A use within the minute does not write; one after it does.
	if _, err := s.AuthenticateAPIToken(ctx, secret, now.Add(30*time.Second)); err != nil {
		t.Fatal(err)
	}
	if list := mustTokens(t, s); !list[0].LastUsedAt.Equal(now) {
		t.Fatalf("last use rewritten within a minute: %v", list[0].LastUsedAt)
	}
	if _, err := s.AuthenticateAPIToken(ctx, secret, now.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if list := mustTokens(t, s); !list[0].LastUsedAt.Equal(now.Add(2 * time.Minute)) {
		t.Fatalf("last use %v, want two minutes later", list[0].LastUsedAt)
	}
	u := got.User()
	if u.ID != 0 || u.Role != got.Role || u.OfficeCode != "73.71" || u.Email != "token:sensus-harian" {
		t.Fatalf("as a user: %+v", u)
	}

	// The secret with its last digit changed (to "0", or "1" when it is "0":
	// one secret in 16 ends in "0").
	tampered := secret[:len(secret)-1] + "0"
	if strings.HasSuffix(secret, "0") {
		tampered = secret[:len(secret)-1] + "1"
	}
	wrong := []string{
		tampered,
		strings.Replace(secret, "pat_", "pt_", 1),
		"pat_999_" + strings.Repeat("a", 64),
		"pat_x_" + strings.Repeat("a", 64),
		"pat_1_" + strings.Repeat("g", 64),
		"pat_1_\xff" + strings.Repeat("a", 63),
		"",
	}
	for _, w := range wrong {
		if _, err := s.AuthenticateAPIToken(ctx, w, now); api.ErrorCode(err) != api.EUnauthorized {
			t.Errorf("token %q: %v, want unauthorized", w, err)
		}
	}

	if _, _, err := s.CreateAPIToken(ctx, api.NewAPIToken{Name: "sensus-harian", Role: api.RoleAdmin}); api.ErrorCode(err) != api.EConflict {
		t.Fatalf("second live token of one name: %v, want conflict", err)
	}
	if err := s.RevokeAPIToken(ctx, tok.ID, now); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuthenticateAPIToken(ctx, secret, now); api.ErrorCode(err) != api.EUnauthorized {
		t.Fatalf("revoked token: %v, want unauthorized", err)
	}
	if err := s.RevokeAPIToken(ctx, tok.ID, now); api.ErrorCode(err) != api.ENotFound {
		t.Fatalf("revoke twice: %v, want not found", err)
	}
	// A revoked name is free again; the list keeps both, live first.
	again, _, err := s.CreateAPIToken(ctx, api.NewAPIToken{Name: "sensus-harian", Role: api.RoleProvincialOfficial, ProvinceCode: "73"})
	if err != nil {
		t.Fatal(err)
	}
	list := mustTokens(t, s)
	if len(list) != 2 || list[0].ID != again.ID || list[1].RevokedAt == nil {
		t.Fatalf("list: %+v", list)
	}
}

func TestAPITokenScopeFollowsTheUsersRule(t *testing.T) {
	s := mustModelOffices(t)
	tests := []struct {
		name  string
		in    api.NewAPIToken
		field string
	}{
		{"staff without office", api.NewAPIToken{Name: "a", Role: api.RoleOfficeStaff}, "office"},
		{"provincial with office", api.NewAPIToken{Name: "a", Role: api.RoleProvincialOfficial, OfficeCode: "73.71"}, "province"},
		{"admin with province", api.NewAPIToken{Name: "a", Role: api.RoleAdmin, ProvinceCode: "73"}, "role"},
		{"unknown role", api.NewAPIToken{Name: "a", Role: "root"}, "role"},
		{"empty name", api.NewAPIToken{Name: " ", Role: api.RoleAdmin}, "name"},
		{"NUL in name", api.NewAPIToken{Name: "a\x00b", Role: api.RoleAdmin}, "name"},
		{"bad UTF-8 name", api.NewAPIToken{Name: "a\xffb", Role: api.RoleAdmin}, "name"},
		{"long name", api.NewAPIToken{Name: strings.Repeat("n", api.MaxTokenName+1), Role: api.RoleAdmin}, "name"},
		{"office that does not exist", api.NewAPIToken{Name: "a", Role: api.RoleOfficeStaff, OfficeCode: "99.99"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := s.CreateAPIToken(context.Background(), tc.in)
			if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
				t.Fatalf("err = %v, want invalid naming %q", err, tc.field)
			}
			if strings.Contains(err.Error(), "fkey") || strings.Contains(err.Error(), "_check") {
				t.Fatalf("message names a constraint: %v", err)
			}
		})
	}
}

func mustTokens(t *testing.T, s *postgres.Store) []api.APIToken {
	t.Helper()
	ts, err := s.APITokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return ts
}
