package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// CreateTarget adds a target to an office. Zero thresholds take the defaults.
func (s *Store) CreateTarget(ctx context.Context, t api.Target) (api.Target, error) {
	return s.writeTarget(ctx, t, false)
}

// PutTarget creates the office's target of that name or replaces its
// definition, keeping its id (and so its history).
func (s *Store) PutTarget(ctx context.Context, t api.Target) (api.Target, error) {
	return s.writeTarget(ctx, t, true)
}

func (s *Store) writeTarget(ctx context.Context, t api.Target, replace bool) (api.Target, error) {
	for _, f := range []struct {
		field, value string
		max          int
	}{{"spec.name", t.Spec.Name, api.MaxName}, {"spec.address", t.Spec.Address, api.MaxParam},
		{"spec.dns_server", t.Spec.DNSServer, api.MaxName}, {"spec.tls_ca_file", t.Spec.TLSCAFile, api.MaxParam}} {
		if err := api.CheckLine(f.field, f.value, f.max); err != nil {
			return api.Target{}, err
		}
	}
	if err := api.CheckText("spec.body_contains", t.Spec.BodyContains, api.MaxParam); err != nil {
		return api.Target{}, err
	}
	if err := api.CheckText("spec.tls_ca", t.Spec.TLSCA, probe.MaxCABundle); err != nil {
		return api.Target{}, err
	}
	if err := t.Spec.Validate(); err != nil {
		return api.Target{}, api.FieldErrorf("spec", "%v", err)
	}
	if t.Interval <= 0 {
		t.Interval = 30 * time.Second
	}
	if t.Interval%time.Second != 0 {
		return api.Target{}, api.FieldErrorf("interval", "must be whole seconds")
	}
	if t.Thresholds.Fail == 0 {
		t.Thresholds.Fail = api.DefaultThresholds.Fail
	}
	if t.Thresholds.Recover == 0 {
		t.Thresholds.Recover = api.DefaultThresholds.Recover
	}
	if t.Thresholds.SilenceAfter == 0 {
		t.Thresholds.SilenceAfter = api.DefaultThresholds.SilenceAfter
	}
	spec, err := json.Marshal(t.Spec)
	if err != nil {
		return api.Target{}, fmt.Errorf("encode target spec: %w", err)
	}
	sql := `INSERT INTO targets (office_code, name, kind, check_type, address, spec,
			interval_seconds, fail_threshold, recover_threshold, silence_after)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`
	if replace {
		sql = strings.Replace(sql, "RETURNING", `ON CONFLICT (office_code, name) DO UPDATE SET kind = EXCLUDED.kind,
			check_type = EXCLUDED.check_type, address = EXCLUDED.address, spec = EXCLUDED.spec,
			interval_seconds = EXCLUDED.interval_seconds, fail_threshold = EXCLUDED.fail_threshold,
			recover_threshold = EXCLUDED.recover_threshold, silence_after = EXCLUDED.silence_after
		RETURNING`, 1)
	}
	err = s.pool.QueryRow(ctx, sql,
		t.OfficeCode, t.Spec.Name, t.Spec.Kind, t.Spec.Check, t.Spec.Address, spec,
		int(t.Interval/time.Second), t.Thresholds.Fail, t.Thresholds.Recover, t.Thresholds.SilenceAfter,
	).Scan(&t.ID)
	if err != nil {
		return api.Target{}, mapError(err, "target "+t.Spec.Name)
	}
	return t, nil
}

// Targets lists an office's targets by id; an empty office lists all.
func (s *Store) Targets(ctx context.Context, officeCode string) ([]api.Target, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, office_code, spec, interval_seconds, fail_threshold, recover_threshold, silence_after
		FROM targets WHERE $1 = '' OR office_code = $1 ORDER BY office_code, id`, officeCode)
	if err != nil {
		return nil, fmt.Errorf("list targets: %w", err)
	}
	return pgx.CollectRows(rows, scanTarget)
}

func scanTarget(r pgx.CollectableRow) (api.Target, error) {
	var (
		t    api.Target
		spec []byte
		secs int
	)
	if err := r.Scan(&t.ID, &t.OfficeCode, &spec, &secs, &t.Thresholds.Fail, &t.Thresholds.Recover, &t.Thresholds.SilenceAfter); err != nil {
		return t, err
	}
	t.Interval = time.Duration(secs) * time.Second
	if err := json.Unmarshal(spec, &t.Spec); err != nil {
		return t, fmt.Errorf("decode spec of target %d: %w", t.ID, err)
	}
	return t, nil
}

// targetIDs maps an office's target names to ids, for ingest validation.
func (s *Store) targetIDs(ctx context.Context, q querier, officeCode string) (map[string]int64, error) {
	rows, err := q.Query(ctx, `SELECT name, id FROM targets WHERE office_code = $1`, officeCode)
	if err != nil {
		return nil, fmt.Errorf("target names: %w", err)
	}
	ids := map[string]int64{}
	var (
		name string
		id   int64
	)
	_, err = pgx.ForEachRow(rows, []any{&name, &id}, func() error { ids[name] = id; return nil })
	if err != nil {
		return nil, fmt.Errorf("target names: %w", err)
	}
	return ids, nil
}

// TargetIDs maps the office's target names to their ids.
func (s *Store) TargetIDs(ctx context.Context, officeCode string) (map[string]int64, error) {
	return s.targetIDs(ctx, s.pool, officeCode)
}

// ProbeTargets returns the probe.Target specs of an office, for agents.
func (s *Store) ProbeTargets(ctx context.Context, officeCode string) ([]probe.Target, error) {
	ts, err := s.Targets(ctx, officeCode)
	if err != nil {
		return nil, err
	}
	out := make([]probe.Target, len(ts))
	for i, t := range ts {
		out[i] = t.Spec
	}
	return out, nil
}
