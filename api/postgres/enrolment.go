package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// codeAlphabet is Crockford's base32: no I, L, O or U to misread on a phone call.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// normaliseCode upper-cases a typed code and drops dashes and spaces.
func normaliseCode(code string) string {
	code = strings.ToUpper(code)
	code = strings.NewReplacer("-", "", " ", "", "O", "0", "I", "1", "L", "1").Replace(code)
	return code
}

// CreateEnrolmentCode makes a single-use code for an office, valid for ttl,
// and returns it formatted for reading aloud (XXXX-XXXX). It is shown once.
func (s *Store) CreateEnrolmentCode(ctx context.Context, officeCode string, ttl time.Duration, createdBy string) (string, time.Time, error) {
	if ttl <= 0 {
		ttl = api.DefaultEnrolmentTTL
	}
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		return "", time.Time{}, fmt.Errorf("enrolment code: %w", err)
	}
	raw := make([]byte, len(b))
	for i, v := range b {
		raw[i] = codeAlphabet[int(v)%len(codeAlphabet)]
	}
	code := string(raw)
	sum := sha256.Sum256([]byte(code))
	var expires time.Time
	err := s.pool.QueryRow(ctx, `INSERT INTO enrolment_codes (office_code, code_hash, created_by, expires_at)
		VALUES ($1, $2, $3, now() + $4::interval) RETURNING expires_at`,
		officeCode, sum[:], createdBy, fmt.Sprintf("%d seconds", int(ttl.Seconds()))).Scan(&expires)
	if err != nil {
		return "", time.Time{}, mapError(err, "enrolment code for office "+officeCode)
	}
	return code[:4] + "-" + code[4:], expires, nil
}

// Enrol trades a code for a new probe of the code's office, once. A wrong,
// used or expired code gets an error that says which, and changes nothing.
func (s *Store) Enrol(ctx context.Context, code, probeName string) (api.Probe, string, error) {
	if err := api.CheckLine("code", code, 64); err != nil {
		return api.Probe{}, "", err
	}
	if err := api.CheckLine("name", probeName, MaxProbeName-8); err != nil {
		return api.Probe{}, "", err
	}
	sum := sha256.Sum256([]byte(normaliseCode(code)))
	var (
		p     api.Probe
		token string
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var (
			office  string
			used    *time.Time
			expired bool
		)
		// FOR UPDATE: two agents racing with one code, only one wins.
		err := tx.QueryRow(ctx, `SELECT office_code, used_at, expires_at < now() FROM enrolment_codes
			WHERE code_hash = $1 FOR UPDATE`, sum[:]).Scan(&office, &used, &expired)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return &api.Error{Code: api.EUnauthorized, Field: "code", Message: "enrolment code not recognised; check it with the administrator"}
		case err != nil:
			return fmt.Errorf("look up enrolment code: %w", err)
		case used != nil:
			return &api.Error{Code: api.EUnauthorized, Field: "code", Message: "enrolment code was already used on " + used.UTC().Format(time.RFC3339) + "; ask for a new one"}
		case expired:
			return &api.Error{Code: api.EUnauthorized, Field: "code", Message: "enrolment code has expired; ask for a new one"}
		}
		if strings.TrimSpace(probeName) == "" {
			probeName = "agent"
		}
		// Names are unique per office; a re-installed PC gets the first
		// free suffix. (Counting the names like it would pick a taken one
		// forever once a host called "pc-3" enrolled before "pc" twice.)
		var n int
		if err := tx.QueryRow(ctx, `SELECT s FROM generate_series(1, 100000) AS s
			WHERE NOT EXISTS (SELECT 1 FROM probes WHERE office_code = $1
				AND name = CASE WHEN s = 1 THEN $2 ELSE $2 || '-' || s END)
			ORDER BY s LIMIT 1`, office, probeName).Scan(&n); err != nil {
			return mapError(err, "free probe name")
		}
		if n > 1 {
			probeName = fmt.Sprintf("%s-%d", probeName, n)
		}
		p, token, err = createProbe(ctx, tx, office, probeName)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE enrolment_codes SET used_at = now(), probe_id = $3 WHERE office_code = $1 AND code_hash = $2`, office, sum[:], p.ID)
		return err
	})
	return p, token, err
}
