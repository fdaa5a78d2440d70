package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pantau-id/pantau/api"
)

// AgentStatus is a probe as the admin sees it: what its agent last
// reported, and whether that agent is older than the minimum version.
type AgentStatus struct {
	api.Probe
	// Outdated is set when a minimum version is set and the agent reported
	// an older version, or one that cannot be compared (such as "dev").
	// A probe that never reported is not outdated: it has no version yet.
	Outdated bool `json:"outdated"`
}

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
	if _, ok := parseVersion(v); v != "" && !ok {
		return api.FieldErrorf("version", "%q is not a version such as 1.2.0", v)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE agent_policy SET minimum_version = $1`, v); err != nil {
		return fmt.Errorf("set minimum agent version: %w", err)
	}
	return nil
}

// AgentStatuses lists the probes of an office (all when empty) with the
// Outdated flag, and returns the minimum version it was computed against.
func (s *Store) AgentStatuses(ctx context.Context, officeCode string) ([]AgentStatus, string, error) {
	minimum, err := s.MinAgentVersion(ctx)
	if err != nil {
		return nil, "", err
	}
	ps, err := s.Probes(ctx, officeCode)
	if err != nil {
		return nil, "", err
	}
	out := make([]AgentStatus, len(ps))
	for i, p := range ps {
		out[i] = AgentStatus{Probe: p, Outdated: AgentOutdated(p.AgentVersion, minimum)}
	}
	return out, minimum, nil
}

// AgentOutdated reports whether an agent of version is older than minimum.
// No minimum, or no version reported yet, is never outdated; a version that
// cannot be read (a "dev" build) is, since it cannot be shown to be new
// enough. Pre-releases (1.2.0-rc1) are older than their release; a build
// past a release (git describe: 1.2.0-3-gabc123) counts as that release.
func AgentOutdated(version, minimum string) bool {
	if minimum == "" || version == "" {
		return false
	}
	floor, ok := parseVersion(minimum)
	if !ok {
		return false
	}
	v, ok := parseVersion(version)
	if !ok {
		return true
	}
	for i := range v.parts {
		if v.parts[i] != floor.parts[i] {
			return v.parts[i] < floor.parts[i]
		}
	}
	return v.pre && !floor.pre
}

// version is a parsed major.minor.patch; pre marks a pre-release.
type version struct {
	parts [3]int
	pre   bool
}

// parseVersion reads [v]MAJOR[.MINOR[.PATCH]][-SUFFIX][+BUILD].
func parseVersion(s string) (version, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	s, _, _ = strings.Cut(s, "+")
	core, suffix, hasSuffix := strings.Cut(s, "-")
	var v version
	fields := strings.Split(core, ".")
	if len(fields) > 3 || core == "" {
		return v, false
	}
	for i, f := range fields {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 {
			return v, false
		}
		v.parts[i] = n
	}
	v.pre = hasSuffix && !isDescribeSuffix(suffix)
	return v, true
}

// isDescribeSuffix reports whether s is git describe's N-gHASH, which
// marks commits after a release rather than before it.
func isDescribeSuffix(s string) bool {
	n, hash, ok := strings.Cut(s, "-g")
	if _, err := strconv.Atoi(n); err != nil || !ok || hash == "" {
		return false
	}
	hash, _, _ = strings.Cut(hash, "-") // -dirty
	_, err := strconv.ParseUint(hash, 16, 64)
	return err == nil
}
