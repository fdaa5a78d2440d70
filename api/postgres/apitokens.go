package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// apiTokenPrefix marks Pantau API tokens so a leaked one is recognisable
// (secret scanners key on such prefixes) and never confused with a probe's.
const apiTokenPrefix = "pat_"

// APIToken is a script's credential: a role and scope as a user has, sent
// as `Authorization: Bearer` (migrations/00012_api_tokens.sql).
type APIToken struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	OfficeCode   string     `json:"office_code,omitempty"`
	ProvinceCode string     `json:"province_code,omitempty"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
	LastUsedAt   *time.Time `json:"last_used_at,omitempty"`
	RevokedAt    *time.Time `json:"revoked_at,omitempty"`
}

// User is the token as the scope rules see a caller: its role and scope,
// no user id (writes it makes record no person), named after the token.
func (t APIToken) User() User {
	return User{Email: "token:" + t.Name, Name: t.Name, Role: t.Role, OfficeCode: t.OfficeCode,
		ProvinceCode: t.ProvinceCode, CreatedAt: t.CreatedAt}
}

// NewAPIToken is what CreateAPIToken needs.
type NewAPIToken struct {
	Name, Role               string
	OfficeCode, ProvinceCode string
	// CreatedBy says who made it (an admin's email, or "cli").
	CreatedBy string
}

// MaxTokenName bounds a token's name (the column's check says the same).
const MaxTokenName = 100

// Validate names the first bad field of t; role and scope follow the
// users' rule.
func (t NewAPIToken) Validate() error {
	if strings.TrimSpace(t.Name) == "" || len(t.Name) > MaxTokenName || !utf8.ValidString(t.Name) || strings.ContainsRune(t.Name, 0) {
		return api.FieldErrorf("name", "want a name of 1 to %d characters, e.g. sensus-harian", MaxTokenName)
	}
	return validateScope(t.Role, t.OfficeCode, t.ProvinceCode)
}

// validateScope checks that a role comes with exactly the scope it needs.
func validateScope(role, office, province string) error {
	switch role {
	case RoleOfficeStaff, RoleCityOfficial:
		if office == "" || province != "" {
			return api.FieldErrorf("office", "role %s needs an office and no province", role)
		}
	case RoleProvincialOfficial:
		if province == "" || office != "" {
			return api.FieldErrorf("province", "role %s needs a province and no office", role)
		}
	case RoleNationalOperator, RoleAdmin:
		if office != "" || province != "" {
			return api.FieldErrorf("role", "role %s covers everything: give no office or province", role)
		}
	default:
		return api.FieldErrorf("role", "%q is not a role (one of %s)", role, strings.Join(Roles, ", "))
	}
	return nil
}

// CreateAPIToken stores a new token and returns it with its secret, which
// is shown once: only its hash is kept.
func (s *Store) CreateAPIToken(ctx context.Context, n NewAPIToken) (APIToken, string, error) {
	n.Name = strings.TrimSpace(n.Name)
	if err := n.Validate(); err != nil {
		return APIToken{}, "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return APIToken{}, "", fmt.Errorf("token secret: %w", err)
	}
	t := APIToken{Name: n.Name, Role: n.Role, OfficeCode: n.OfficeCode, ProvinceCode: n.ProvinceCode, CreatedBy: n.CreatedBy}
	var token string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The token embeds the row's id: insert first, set the hash after,
		// in one transaction.
		err := tx.QueryRow(ctx, `INSERT INTO api_tokens (name, role, office_code, province_code, token_hash, created_by)
			VALUES ($1, $2, nullif($3, ''), nullif($4, ''), '\x00', $5) RETURNING id, created_at`,
			t.Name, t.Role, t.OfficeCode, t.ProvinceCode, t.CreatedBy).Scan(&t.ID, &t.CreatedAt)
		if err != nil {
			return mapError(err, "token "+t.Name)
		}
		token = fmt.Sprintf("%s%d_%s", apiTokenPrefix, t.ID, hex.EncodeToString(secret))
		sum := sha256.Sum256([]byte(token))
		if _, err := tx.Exec(ctx, `UPDATE api_tokens SET token_hash = $2 WHERE id = $1`, t.ID, sum[:]); err != nil {
			return fmt.Errorf("store token hash: %w", err)
		}
		return nil
	})
	if err != nil {
		return APIToken{}, "", err
	}
	return t, token, nil
}

// IsAPIToken reports whether s has the shape of an API token, so a caller
// can tell it from other bearer credentials without a query.
func IsAPIToken(s string) bool { return strings.HasPrefix(s, apiTokenPrefix) }

// parseAPIToken returns the id inside pat_<id>_<64 hex>.
func parseAPIToken(token string) (int64, bool) {
	rest, ok := strings.CutPrefix(token, apiTokenPrefix)
	if !ok {
		return 0, false
	}
	idText, secret, ok := strings.Cut(rest, "_")
	if !ok || len(secret) != 64 {
		return 0, false
	}
	if _, err := hex.DecodeString(secret); err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return 0, false
	}
	return id, true
}

// tokenTouchEvery is how stale last_used_at may get before a use writes it.
const tokenTouchEvery = time.Minute

// AuthenticateAPIToken returns the live token that token is, at now, and
// records its use; anything else is one unauthorized error that does not say
// which part was wrong.
func (s *Store) AuthenticateAPIToken(ctx context.Context, token string, now time.Time) (APIToken, error) {
	denied := api.Errorf(api.EUnauthorized, "invalid or revoked API token")
	id, ok := parseAPIToken(token)
	if !ok {
		return APIToken{}, denied
	}
	var (
		t    APIToken
		hash []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT `+apiTokenColumns+`, token_hash FROM api_tokens WHERE id = $1`, id).
		Scan(append(t.dest(), &hash)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return APIToken{}, denied
	}
	if err != nil {
		return APIToken{}, fmt.Errorf("look up API token: %w", err)
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 || t.RevokedAt != nil {
		return APIToken{}, denied
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenTouchEvery {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, now); err != nil {
			return APIToken{}, fmt.Errorf("record API token use: %w", err)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

const apiTokenColumns = `id, name, role, coalesce(office_code, ''), coalesce(province_code, ''), created_by, created_at, last_used_at, revoked_at`

func (t *APIToken) dest() []any {
	return []any{&t.ID, &t.Name, &t.Role, &t.OfficeCode, &t.ProvinceCode, &t.CreatedBy, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt}
}

// APITokens lists every token, live ones first, newest first.
func (s *Store) APITokens(ctx context.Context) ([]APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens
		ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (APIToken, error) {
		var t APIToken
		return t, r.Scan(t.dest()...)
	})
}

// RevokeAPIToken refuses a token from now on.
func (s *Store) RevokeAPIToken(ctx context.Context, id int64, now time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, now)
	if err != nil {
		return fmt.Errorf("revoke API token: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return api.Errorf(api.ENotFound, "API token %d not found or revoked already", id)
	}
	return nil
}
