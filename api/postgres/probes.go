package postgres

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// tokenPrefix marks Pantau probe tokens so a leaked one is recognisable.
const tokenPrefix = "pt_"

// MaxProbeName bounds a probe's name: a host name and a suffix.
const MaxProbeName = 72

// CreateProbe registers a probe for an office and returns it with its token.
// The token is shown once: only its hash is stored.
func (s *Store) CreateProbe(ctx context.Context, officeCode, name string) (api.Probe, string, error) {
	var (
		p     api.Probe
		token string
	)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		p, token, err = createProbe(ctx, tx, officeCode, name)
		return err
	})
	return p, token, err
}

// createProbe inserts a probe inside tx. The token embeds the probe's id,
// so the row is inserted first and its hash set in the same transaction.
func createProbe(ctx context.Context, tx pgx.Tx, officeCode, name string) (api.Probe, string, error) {
	if err := api.CheckLine("name", name, MaxProbeName); err != nil {
		return api.Probe{}, "", err
	}
	if strings.TrimSpace(name) == "" {
		return api.Probe{}, "", api.FieldErrorf("name", "must not be empty")
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return api.Probe{}, "", fmt.Errorf("probe secret: %w", err)
	}
	p := api.Probe{OfficeCode: officeCode, Name: name}
	err := tx.QueryRow(ctx, `INSERT INTO probes (office_code, name, token_hash) VALUES ($1, $2, '\x00')
		RETURNING id, created_at`, officeCode, name).Scan(&p.ID, &p.CreatedAt)
	if err != nil {
		return p, "", mapError(err, "probe "+name)
	}
	token := fmt.Sprintf("%s%s_%d_%s", tokenPrefix, officeCode, p.ID, hex.EncodeToString(secret))
	sum := sha256.Sum256([]byte(token))
	if _, err := tx.Exec(ctx, `UPDATE probes SET token_hash = $3 WHERE office_code = $1 AND id = $2`, officeCode, p.ID, sum[:]); err != nil {
		return p, "", fmt.Errorf("store probe token: %w", err)
	}
	return p, token, nil
}

// parseToken splits pt_<office>_<id>_<secret> into office and id.
func parseToken(token string) (office string, id int64, ok bool) {
	rest, found := strings.CutPrefix(token, tokenPrefix)
	if !found {
		return "", 0, false
	}
	parts := strings.Split(rest, "_")
	if len(parts) != 3 || len(parts[2]) != 64 {
		return "", 0, false
	}
	id, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !officeCodeForm(parts[0]) {
		return "", 0, false
	}
	return parts[0], id, true
}

// officeCodeForm reports whether s looks like an office code (73.71), so
// bytes PostgreSQL's text cannot hold never reach the lookup.
func officeCodeForm(s string) bool {
	if len(s) != 5 || s[2] != '.' {
		return false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// AuthenticateProbe returns the live probe that token belongs to, or an
// unauthorized error that does not say which part was wrong.
func (s *Store) AuthenticateProbe(ctx context.Context, token string) (api.Probe, error) {
	denied := api.Errorf(api.EUnauthorized, "invalid or revoked probe token")
	office, id, ok := parseToken(token)
	if !ok {
		return api.Probe{}, denied
	}
	var (
		p    api.Probe
		hash []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT id, office_code, name, token_hash, created_at, revoked_at
		FROM probes WHERE office_code = $1 AND id = $2`, office, id).
		Scan(&p.ID, &p.OfficeCode, &p.Name, &hash, &p.CreatedAt, &p.RevokedAt)
	if err == pgx.ErrNoRows {
		return api.Probe{}, denied
	}
	if err != nil {
		return api.Probe{}, fmt.Errorf("look up probe: %w", err)
	}
	sum := sha256.Sum256([]byte(token))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 || p.RevokedAt != nil {
		return api.Probe{}, denied
	}
	return p, nil
}

// RevokeProbe stops a probe's writes at once (every server's ingest checks
// the probe row in its transaction; this one also forgets the cached token).
func (s *Store) RevokeProbe(ctx context.Context, officeCode string, id int64) error {
	defer s.ingest.forgetProbe(officeCode, id)
	tag, err := s.pool.Exec(ctx, `UPDATE probes SET revoked_at = now() WHERE office_code = $1 AND id = $2 AND revoked_at IS NULL`, officeCode, id)
	if err != nil {
		return fmt.Errorf("revoke probe: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return api.Errorf(api.ENotFound, "probe %d of office %s not found or already revoked", id, officeCode)
	}
	return nil
}

// Probes lists probes of an office (all offices when empty).
func (s *Store) Probes(ctx context.Context, officeCode string) ([]api.Probe, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, office_code, name, created_at, revoked_at, last_seen_at,
			agent_version, agent_os, agent_arch, spool_depth, dropped, clock_offset_ms, update_failed
		FROM probes WHERE $1 = '' OR office_code = $1 ORDER BY office_code, id`, officeCode)
	if err != nil {
		return nil, fmt.Errorf("list probes: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (api.Probe, error) {
		var p api.Probe
		err := r.Scan(&p.ID, &p.OfficeCode, &p.Name, &p.CreatedAt, &p.RevokedAt, &p.LastSeenAt,
			&p.AgentVersion, &p.AgentOS, &p.AgentArch, &p.SpoolDepth, &p.Dropped, &p.ClockOffsetMS, &p.UpdateFailed)
		return p, err
	})
}
