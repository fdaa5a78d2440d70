package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// MinAgentVersion returns the oldest agent version still trusted; empty
// when none is set.
func (s *Store) MinAgentVersion(ctx context.Context) (string, error) {
	var v string
	if err := s.pool.QueryRow(ctx, `SELECT minimum_version FROM agent_policy`).Scan(&v); err != nil {
		return "", mapError(err, "agent policy")
	}
	return v, nil
}

// SetMinAgentVersion sets the oldest agent version still trusted, such as
// 1.2.0 (a leading v is dropped); empty clears it.
func (s *Store) SetMinAgentVersion(ctx context.Context, v string) error {
	v = strings.TrimPrefix(strings.TrimSpace(v), "v")
	if v != "" && !api.ValidAgentVersion(v) {
		return api.FieldErrorf("version", "%q is not a version such as 1.2.0", v)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE agent_policy SET minimum_version = $1`, v); err != nil {
		return fmt.Errorf("set minimum agent version: %w", err)
	}
	return nil
}

// AgentStatuses lists the probes of an office (all when empty) with the
// Outdated flag, and returns the minimum version it was computed against.
func (s *Store) AgentStatuses(ctx context.Context, officeCode string) ([]api.AgentStatus, string, error) {
	minimum, err := s.MinAgentVersion(ctx)
	if err != nil {
		return nil, "", err
	}
	ps, err := s.Probes(ctx, officeCode)
	if err != nil {
		return nil, "", err
	}
	rollout, err := s.CurrentRollout(ctx)
	if err != nil {
		return nil, "", err
	}
	provinces := map[string]string{}
	if rollout != nil {
		rows, err := s.pool.Query(ctx, `SELECT code, province_code FROM offices`)
		if err != nil {
			return nil, "", fmt.Errorf("list office provinces: %w", err)
		}
		var code, province string
		_, err = pgx.ForEachRow(rows, []any{&code, &province}, func() error { provinces[code] = province; return nil })
		if err != nil {
			return nil, "", fmt.Errorf("list office provinces: %w", err)
		}
	}
	out := make([]api.AgentStatus, len(ps))
	for i, p := range ps {
		out[i] = api.AgentStatus{Probe: p, Outdated: api.AgentOutdated(p.AgentVersion, minimum), ClockSkewed: api.AgentClockSkewed(p.ClockOffsetMS),
			UpdateState: api.UpdateState(rollout, p, provinces[p.OfficeCode])}
		if out[i].UpdateState != api.UpdateNone {
			out[i].UpdateVersion = rollout.Version
		}
	}
	return out, minimum, nil
}
