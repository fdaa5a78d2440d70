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

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// apiTokenPrefix marks Pantau API tokens so a leaked one is recognisable
// (secret scanners key on such prefixes) and never confused with a probe's.
const apiTokenPrefix = "pat_"

// CreateAPIToken stores a new token and returns it with its secret, which
// is shown once: only its hash is kept.
func (s *Store) CreateAPIToken(ctx context.Context, n api.NewAPIToken) (api.APIToken, string, error) {
	n.Name = strings.TrimSpace(n.Name)
	if err := n.Validate(); err != nil {
		return api.APIToken{}, "", err
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return api.APIToken{}, "", fmt.Errorf("token secret: %w", err)
	}
	t := api.APIToken{Name: n.Name, Role: n.Role, OfficeCode: n.OfficeCode, ProvinceCode: n.ProvinceCode, CreatedBy: n.CreatedBy}
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
		return api.APIToken{}, "", err
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
func (s *Store) AuthenticateAPIToken(ctx context.Context, token string, now time.Time) (api.APIToken, error) {
	denied := api.Errorf(api.EUnauthorized, "invalid or revoked API token")
	id, ok := parseAPIToken(token)
	if !ok {
		return api.APIToken{}, denied
	}
	var (
		t    api.APIToken
		hash []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT `+apiTokenColumns+`, token_hash FROM api_tokens WHERE id = $1`, id).
		Scan(append(tokenDest(&t), &hash)...)
	if errors.Is(err, pgx.ErrNoRows) {
		return api.APIToken{}, denied
	}
	if err != nil {
		return api.APIToken{}, fmt.Errorf("look up API token: %w", err)
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 || t.RevokedAt != nil {
		return api.APIToken{}, denied
	}
	if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) >= tokenTouchEvery {
		if _, err := s.pool.Exec(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, now); err != nil {
			return api.APIToken{}, fmt.Errorf("record API token use: %w", err)
		}
		t.LastUsedAt = &now
	}
	return t, nil
}

const apiTokenColumns = `id, name, role, coalesce(office_code, ''), coalesce(province_code, ''), created_by, created_at, last_used_at, revoked_at`

func tokenDest(t *api.APIToken) []any {
	return []any{&t.ID, &t.Name, &t.Role, &t.OfficeCode, &t.ProvinceCode, &t.CreatedBy, &t.CreatedAt, &t.LastUsedAt, &t.RevokedAt}
}

// APITokens lists every token, live ones first, newest first.
func (s *Store) APITokens(ctx context.Context) ([]api.APIToken, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+apiTokenColumns+` FROM api_tokens
		ORDER BY revoked_at IS NOT NULL, created_at DESC, id DESC`)
	if err != nil {
		return nil, fmt.Errorf("list API tokens: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.APIToken, error) {
		var t api.APIToken
		return t, r.Scan(tokenDest(&t)...)
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
