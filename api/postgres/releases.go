package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// ReleasePublicKey returns the public key agent releases are signed with
// (ed25519:BASE64); empty when none is set.
func (s *Store) ReleasePublicKey(ctx context.Context) (string, error) {
	var k string
	if err := s.pool.QueryRow(ctx, `SELECT release_public_key FROM agent_policy`).Scan(&k); err != nil {
		return "", mapError(err, "agent policy")
	}
	return k, nil
}

// SetReleasePublicKey sets the release public key; the caller checks its
// form (the api packages do not link the release code).
func (s *Store) SetReleasePublicKey(ctx context.Context, key string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE agent_policy SET release_public_key = $1`, key); err != nil {
		return fmt.Errorf("set release public key: %w", err)
	}
	return nil
}

// AddAgentRelease stores a release whose signature the caller verified,
// all or nothing; a version stored already is a conflict.
func (s *Store) AddAgentRelease(ctx context.Context, r api.AgentRelease) error {
	if r.Version == "" || !api.ValidAgentVersion(r.Version) {
		return api.FieldErrorf("version", "%q is not a version such as 1.2.0", r.Version)
	}
	if len(r.Binaries) == 0 {
		return api.FieldErrorf("binaries", "a release needs at least one agent program")
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO agent_releases (version, sums, signature) VALUES ($1, $2, $3)`,
			r.Version, r.Sums, r.Signature); err != nil {
			return mapError(err, "release "+r.Version)
		}
		for _, b := range r.Binaries {
			if _, err := tx.Exec(ctx, `INSERT INTO agent_release_binaries (version, name, goos, goarch, content)
				VALUES ($1, $2, $3, $4, $5)`, r.Version, b.Name, b.GOOS, b.GOARCH, b.Content); err != nil {
				return mapError(err, "release binary "+b.Name)
			}
		}
		return nil
	})
}

// AgentReleases lists the stored releases, newest upload first, with their
// binaries' names and sizes (not their content).
func (s *Store) AgentReleases(ctx context.Context) ([]api.AgentRelease, error) {
	rows, err := s.pool.Query(ctx, `SELECT r.version, r.uploaded_at, b.name, b.goos, b.goarch, octet_length(b.content)
		FROM agent_releases r JOIN agent_release_binaries b USING (version)
		ORDER BY r.uploaded_at DESC, r.version, b.name`)
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	defer rows.Close()
	var out []api.AgentRelease
	for rows.Next() {
		var (
			rel api.AgentRelease
			b   api.ReleaseBinary
		)
		if err := rows.Scan(&rel.Version, &rel.UploadedAt, &b.Name, &b.GOOS, &b.GOARCH, &b.Size); err != nil {
			return nil, fmt.Errorf("list releases: %w", err)
		}
		if n := len(out); n == 0 || out[n-1].Version != rel.Version {
			out = append(out, rel)
		}
		out[len(out)-1].Binaries = append(out[len(out)-1].Binaries, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	return out, nil
}

// StartRollout puts a rollout in force (it replaces the one before).
func (s *Store) StartRollout(ctx context.Context, r api.Rollout) (api.Rollout, error) {
	switch r.Scope {
	case api.RolloutAll:
		r.ProvinceCode, r.OfficeCodes = "", nil
	case api.RolloutProvince:
		if r.ProvinceCode == "" {
			return r, api.FieldErrorf("province", "missing for a province rollout")
		}
		r.OfficeCodes = nil
	case api.RolloutOffices:
		if len(r.OfficeCodes) == 0 {
			return r, api.FieldErrorf("offices", "missing for an office rollout")
		}
		r.ProvinceCode = ""
	default:
		return r, api.FieldErrorf("scope", "%q is not all, province or offices", r.Scope)
	}
	if r.SharePct < 1 || r.SharePct > 100 {
		return r, api.FieldErrorf("share", "%d is not a share of 1 to 100 percent", r.SharePct)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM agent_releases WHERE version = $1)`, r.Version).Scan(&exists); err != nil {
			return fmt.Errorf("look up release: %w", err)
		}
		if !exists {
			return api.FieldErrorf("version", "release %q is not uploaded", r.Version)
		}
		if r.Scope == api.RolloutProvince {
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM provinces WHERE code = $1)`, r.ProvinceCode).Scan(&exists); err != nil {
				return fmt.Errorf("look up province: %w", err)
			}
			if !exists {
				return api.FieldErrorf("province", "no province %q", r.ProvinceCode)
			}
		}
		if r.Scope == api.RolloutOffices {
			var missing []string
			if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(c ORDER BY c), '{}') FROM unnest($1::text[]) c
				WHERE NOT EXISTS (SELECT 1 FROM offices WHERE code = c)`, r.OfficeCodes).Scan(&missing); err != nil {
				return fmt.Errorf("look up offices: %w", err)
			}
			if len(missing) > 0 {
				return api.FieldErrorf("offices", "no office %v", missing)
			}
		}
		var province *string
		if r.ProvinceCode != "" {
			province = &r.ProvinceCode
		}
		codes := r.OfficeCodes
		if codes == nil {
			codes = []string{}
		}
		return mapError(tx.QueryRow(ctx, `INSERT INTO agent_rollouts (version, scope, province_code, office_codes, share_pct)
			VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at`, r.Version, r.Scope, province, codes, r.SharePct).
			Scan(&r.ID, &r.CreatedAt), "rollout")
	})
	return r, err
}

// CurrentRollout returns the rollout in force; nil when none was started.
func (s *Store) CurrentRollout(ctx context.Context) (*api.Rollout, error) {
	var (
		r        api.Rollout
		province *string
	)
	err := s.pool.QueryRow(ctx, `SELECT id, version, scope, province_code, office_codes, share_pct, created_at
		FROM agent_rollouts ORDER BY id DESC LIMIT 1`).
		Scan(&r.ID, &r.Version, &r.Scope, &province, &r.OfficeCodes, &r.SharePct, &r.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("current rollout: %w", err)
	}
	if province != nil {
		r.ProvinceCode = *province
	}
	return &r, nil
}

// UpdateFor returns the release binary to offer probe p (its platform as it
// last reported it, under the rollout in force) and that release; ok is
// false when nothing is offered.
func (s *Store) UpdateFor(ctx context.Context, p api.Probe) (rel api.AgentRelease, bin api.ReleaseBinary, ok bool, err error) {
	r, err := s.CurrentRollout(ctx)
	if err != nil || r == nil {
		return rel, bin, false, err
	}
	var province string
	err = s.pool.QueryRow(ctx, `SELECT p.agent_version, p.agent_os, p.agent_arch, p.update_failed, o.province_code
		FROM probes p JOIN offices o ON o.code = p.office_code WHERE p.office_code = $1 AND p.id = $2`, p.OfficeCode, p.ID).
		Scan(&p.AgentVersion, &p.AgentOS, &p.AgentArch, &p.UpdateFailed, &province)
	if err != nil {
		return rel, bin, false, mapError(err, "probe")
	}
	if api.UpdateState(r, p, province) != api.UpdateOffered || p.AgentOS == "" {
		return rel, bin, false, nil
	}
	err = s.pool.QueryRow(ctx, `SELECT r.version, r.sums, r.signature, b.name, b.goos, b.goarch
		FROM agent_releases r JOIN agent_release_binaries b USING (version)
		WHERE r.version = $1 AND b.goos = $2 AND b.goarch = $3`, r.Version, p.AgentOS, p.AgentArch).
		Scan(&rel.Version, &rel.Sums, &rel.Signature, &bin.Name, &bin.GOOS, &bin.GOARCH)
	if errors.Is(err, pgx.ErrNoRows) {
		return rel, bin, false, nil // no build for its platform
	}
	if err != nil {
		return rel, bin, false, fmt.Errorf("look up release for probe: %w", err)
	}
	return rel, bin, true, nil
}

// ReleaseBinary returns one binary of a release with its content.
func (s *Store) ReleaseBinary(ctx context.Context, version, name string) (api.ReleaseBinary, error) {
	b := api.ReleaseBinary{Name: name}
	err := s.pool.QueryRow(ctx, `SELECT goos, goarch, content FROM agent_release_binaries WHERE version = $1 AND name = $2`,
		version, name).Scan(&b.GOOS, &b.GOARCH, &b.Content)
	if err != nil {
		return b, mapError(err, "release "+version+" binary "+name)
	}
	b.Size = int64(len(b.Content))
	return b, nil
}

// RecordUpdateFailed notes that probe p's agent rolled back from version,
// so it is not offered again and the fleet view shows it as failed.
func (s *Store) RecordUpdateFailed(ctx context.Context, p api.Probe, version string) error {
	if _, err := s.pool.Exec(ctx, `UPDATE probes SET update_failed = $3 WHERE office_code = $1 AND id = $2`,
		p.OfficeCode, p.ID, version); err != nil {
		return fmt.Errorf("record failed update: %w", err)
	}
	return nil
}
