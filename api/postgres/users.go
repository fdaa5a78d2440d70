package postgres

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/crypto/argon2"

	"github.com/pantau-id/pantau/api"
)

// CreateUser validates u, hashes its password with argon2id and stores it.
func (s *Store) CreateUser(ctx context.Context, u api.NewUser) (api.User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	if err := u.Validate(); err != nil {
		return api.User{}, err
	}
	var (
		hash string
		err  error
	)
	if gerr := s.hashes.do(ctx, func() { hash, err = HashPassword(u.Password) }); gerr != nil {
		return api.User{}, gerr
	}
	if err != nil {
		return api.User{}, err
	}
	out := api.User{Email: u.Email, Name: u.Name, Role: u.Role, OfficeCode: u.OfficeCode, ProvinceCode: u.ProvinceCode}
	err = s.pool.QueryRow(ctx, `INSERT INTO users (email, name, role, office_code, province_code, password_hash)
		VALUES ($1, $2, $3, nullif($4, ''), nullif($5, ''), $6) RETURNING id, created_at`,
		u.Email, u.Name, u.Role, u.OfficeCode, u.ProvinceCode, hash).Scan(&out.ID, &out.CreatedAt)
	if err != nil {
		return api.User{}, mapError(err, "user "+u.Email)
	}
	return out, nil
}

const userColumns = `id, email, name, role, coalesce(office_code, ''), coalesce(province_code, ''), created_at, disabled_at`

func scanUser(r pgx.Row, extra ...any) (api.User, error) {
	var u api.User
	dest := append([]any{&u.ID, &u.Email, &u.Name, &u.Role, &u.OfficeCode, &u.ProvinceCode, &u.CreatedAt, &u.DisabledAt}, extra...)
	return u, r.Scan(dest...)
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]api.User, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.User, error) { return scanUser(r) })
}

// DisableUser stops a user's logins and ends their sessions.
func (s *Store) DisableUser(ctx context.Context, id int64) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL`, id)
		if err != nil {
			return fmt.Errorf("disable user: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return api.Errorf(api.ENotFound, "user %d not found or disabled already", id)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sessions WHERE user_id = $1`, id); err != nil {
			return fmt.Errorf("end sessions: %w", err)
		}
		return nil
	})
}

// Argon2id parameters (RFC 9106's second recommended option, lighter on
// memory so a small office-region server can take a burst of logins).
const (
	argonTime    = 3
	argonMemory  = 64 * 1024 // KiB
	argonThreads = 2
	argonKeyLen  = 32
)

// HashPassword returns the argon2id PHC string of password with a fresh salt.
func HashPassword(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the PHC string hash, with
// the parameters stored in it.
func VerifyPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return false
	}
	var (
		mem, t uint32
		par    uint8
	)
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &par); err != nil || mem == 0 || t == 0 || par == 0 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, par, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when the email is unknown, so a login takes
// as long whether or not the account exists. Its password is irrelevant.
const dummyHash = "$argon2id$v=19$m=65536,t=3,p=2$cGFudGF1LWR1bW15LXNhbHQ$kpuR8LCnZ3z7e13416MjsSDU9BwmLrEO3KkvyQEuqIE"
