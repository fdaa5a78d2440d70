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

// MaxPassword bounds a password's length: argon2id takes any length, but a
// megabyte posted as a password is not one.
const MaxPassword = 1024

// Login checks email and password from client address ip at now. Unknown
// emails, disabled users and wrong passwords all give the same unauthorized
// error and cost the same argon2 work. The attempt is counted against the
// account and the address before the password is checked (countAttempt);
// either inside its wait gets a *ThrottledError unchecked, as does an
// attempt that finds every hashing slot taken (Busy). A success takes its
// count back and clears the account's failures.
func (s *Store) Login(ctx context.Context, email, password, ip string, now time.Time, th api.Throttle) (api.User, error) {
	// Checked before ToLower, which would turn invalid bytes into U+FFFD.
	if err := api.CheckLine("email", email, api.MaxName); err != nil {
		return api.User{}, err
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if err := api.CheckText("password", password, MaxPassword); err != nil {
		return api.User{}, err
	}
	if err := api.CheckLine("client", ip, api.MaxName); err != nil {
		return api.User{}, err
	}
	if err := s.countAttempt(ctx, email, ip, now, th); err != nil {
		return api.User{}, err
	}
	var hash string
	u, err := scanUser(s.pool.QueryRow(ctx, `SELECT `+userColumns+`, password_hash FROM users WHERE email = $1`, email), &hash)
	known := err == nil
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		hash = dummyHash
	case err != nil:
		return api.User{}, fmt.Errorf("look up user: %w", err)
	}
	var ok bool
	if err := s.hashes.do(ctx, func() { ok = VerifyPassword(hash, password) }); err != nil {
		// Not checked, so not a failure: take the count back.
		if uerr := s.uncountAttempt(ctx, email, ip, now, th, false); uerr != nil {
			return api.User{}, uerr
		}
		return api.User{}, err
	}
	if ok && known && u.DisabledAt == nil {
		if err := s.uncountAttempt(ctx, email, ip, now, th, true); err != nil {
			return api.User{}, err
		}
		return u, nil
	}
	return api.User{}, api.Errorf(api.EUnauthorized, "wrong email or password")
}

// countAttempt refuses an account or address inside its wait, and
// otherwise counts the attempt as a failure of both, in one transaction
// with both rows locked (account first: no deadlocks). Parallel attempts
// queue on the rows, so each sees the ones before it counted.
func (s *Store) countAttempt(ctx context.Context, email, ip string, now time.Time, th api.Throttle) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO login_throttle (scope, key, failures, last_failed_at, locked_until)
			VALUES ('account', $1, 0, $3, $3), ('client', $2, 0, $3, $3)
			ON CONFLICT (scope, key) DO NOTHING`, email, ip, now)
		if err != nil {
			return fmt.Errorf("login throttle: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT scope, failures, locked_until FROM login_throttle
			WHERE (scope = 'account' AND key = $1) OR (scope = 'client' AND key = $2)
			ORDER BY scope FOR UPDATE`, email, ip)
		if err != nil {
			return fmt.Errorf("login throttle: %w", err)
		}
		var (
			scope           string
			failures        int
			until           time.Time
			wait            time.Duration
			account, client int
		)
		_, err = pgx.ForEachRow(rows, []any{&scope, &failures, &until}, func() error {
			wait = max(wait, until.Sub(now))
			if scope == "account" {
				account = failures
			} else {
				client = failures
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("login throttle: %w", err)
		}
		if wait > 0 {
			return &api.ThrottledError{RetryAfter: wait}
		}
		_, err = tx.Exec(ctx, `UPDATE login_throttle SET failures = failures + 1, last_failed_at = $3,
				locked_until = $3::timestamptz + CASE scope WHEN 'account' THEN $4::interval ELSE $5::interval END
			WHERE (scope = 'account' AND key = $1) OR (scope = 'client' AND key = $2)`,
			email, ip, now, th.Wait(account+1), th.ClientWait(client+1))
		if err != nil {
			return fmt.Errorf("count login attempt: %w", err)
		}
		return nil
	})
}

// uncountAttempt takes back an attempt's count: a success (clearAccount)
// clears the account's failures and gives the address one back; an attempt
// never checked gives both one back. Waits shrink to match.
func (s *Store) uncountAttempt(ctx context.Context, email, ip string, now time.Time, th api.Throttle, clearAccount bool) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if clearAccount {
			if _, err := tx.Exec(ctx, `DELETE FROM login_throttle WHERE scope = 'account' AND key = $1`, email); err != nil {
				return fmt.Errorf("clear login failures: %w", err)
			}
		}
		rows, err := tx.Query(ctx, `UPDATE login_throttle SET failures = greatest(failures - 1, 0)
			WHERE (scope = 'account' AND key = $1) OR (scope = 'client' AND key = $2)
			RETURNING scope, failures, last_failed_at`, email, ip)
		if err != nil {
			return fmt.Errorf("take back login attempt: %w", err)
		}
		type left struct {
			scope string
			n     int
			last  time.Time
		}
		var all []left
		var l left
		if _, err := pgx.ForEachRow(rows, []any{&l.scope, &l.n, &l.last}, func() error { all = append(all, l); return nil }); err != nil {
			return fmt.Errorf("take back login attempt: %w", err)
		}
		for _, l := range all {
			wait := th.Wait(l.n)
			if l.scope == "client" {
				wait = th.ClientWait(l.n)
			}
			if _, err := tx.Exec(ctx, `UPDATE login_throttle SET locked_until = $3 WHERE scope = $1 AND key = $2`,
				l.scope, map[string]string{"account": email, "client": ip}[l.scope], l.last.Add(wait)); err != nil {
				return fmt.Errorf("take back login attempt: %w", err)
			}
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
	tag2, err := s.pool.Exec(ctx, `DELETE FROM login_throttle WHERE locked_until < $1`, now.Add(-24*time.Hour))
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
