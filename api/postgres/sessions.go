package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// Login checks email and password from address ip at now. Unknown emails,
// disabled users and wrong passwords all give the same unauthorized error
// (and cost the same argon2 work); each counts as a failure of the pair. A
// pair inside its wait gets a *ThrottledError without the password being
// checked. A success clears the pair's failures.
func (s *Store) Login(ctx context.Context, email, password, ip string, now time.Time, th api.Throttle) (api.User, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	var lockedUntil time.Time
	err := s.pool.QueryRow(ctx, `SELECT locked_until FROM login_failures WHERE email = $1 AND ip = $2`, email, ip).Scan(&lockedUntil)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return api.User{}, fmt.Errorf("login throttle: %w", err)
	}
	if now.Before(lockedUntil) {
		return api.User{}, &api.ThrottledError{RetryAfter: lockedUntil.Sub(now)}
	}
	var hash string
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email), &hash)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		VerifyPassword(dummyHash, password)
	case err != nil:
		return api.User{}, fmt.Errorf("look up user: %w", err)
	case VerifyPassword(hash, password) && u.DisabledAt == nil:
		if _, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE email = $1 AND ip = $2`, email, ip); err != nil {
			return api.User{}, fmt.Errorf("clear login failures: %w", err)
		}
		return u, nil
	}
	if err := s.recordFailure(ctx, email, ip, now, th); err != nil {
		return api.User{}, err
	}
	return api.User{}, api.Errorf(api.EUnauthorized, "wrong email or password")
}

func (s *Store) recordFailure(ctx context.Context, email, ip string, now time.Time, th api.Throttle) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var n int
		err := tx.QueryRow(ctx, `INSERT INTO login_failures (email, ip, failures, last_failed_at, locked_until)
			VALUES ($1, $2, 1, $3, $3)
			ON CONFLICT (email, ip) DO UPDATE SET failures = login_failures.failures + 1, last_failed_at = $3
			RETURNING failures`, email, ip, now).Scan(&n)
		if err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		_, err = tx.Exec(ctx, `UPDATE login_failures SET locked_until = $3 WHERE email = $1 AND ip = $2`,
			email, ip, now.Add(th.Wait(n)))
		if err != nil {
			return fmt.Errorf("record login failure: %w", err)
		}
		return nil
	})
}

// CreateSession starts a session for user at now lasting ttl and returns the
// cookie token (shown once; only its hash is stored) and the session.
func (s *Store) CreateSession(ctx context.Context, user api.User, now time.Time, ttl time.Duration) (string, api.Session, error) {
	token, err := randomToken()
	if err != nil {
		return "", api.Session{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return "", api.Session{}, err
	}
	sum := sha256.Sum256([]byte(token))
	sess := api.Session{User: user, CSRFToken: csrf, ExpiresAt: now.Add(ttl)}
	_, err = s.pool.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $4, $5)`, sum[:], user.ID, csrf, now, sess.ExpiresAt)
	if err != nil {
		return "", api.Session{}, mapError(err, "session")
	}
	return token, sess, nil
}

// SessionByToken returns the live session of a cookie token at now, or an
// unauthorized error. Expired sessions and disabled users are refused.
func (s *Store) SessionByToken(ctx context.Context, token string, now time.Time) (api.Session, error) {
	sum := sha256.Sum256([]byte(token))
	var sess api.Session
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT u.id, u.email, u.name, u.role, coalesce(u.office_code, ''), coalesce(u.province_code, ''), u.created_at, u.disabled_at, s.csrf_token, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`, sum[:], now), &sess.CSRFToken, &sess.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return api.Session{}, api.Errorf(api.EUnauthorized, "not logged in or session expired")
	}
	if err != nil {
		return api.Session{}, fmt.Errorf("look up session: %w", err)
	}
	sess.User = u
	return sess, nil
}

// DeleteSession ends the session of a cookie token (logout); an unknown
// token is not an error.
func (s *Store) DeleteSession(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	if _, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE token_hash = $1`, sum[:]); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// PruneLogins removes sessions expired at now and failed-login rows whose
// wait ended more than a day before, and returns how many rows went. Both
// tables stay small without a job of their own: the login handler calls it.
func (s *Store) PruneLogins(ctx context.Context, now time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	tag2, err := s.pool.Exec(ctx, `DELETE FROM login_failures WHERE locked_until < $1`, now.Add(-24*time.Hour))
	if err != nil {
		return 0, fmt.Errorf("delete old login failures: %w", err)
	}
	return tag.RowsAffected() + tag2.RowsAffected(), nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
