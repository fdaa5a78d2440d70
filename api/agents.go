package api

import (
	"strconv"
	"strings"
	"time"
)

// AgentStatus is a probe as the admin sees it: what its agent last
// reported, and whether that agent is older than the minimum version.
type AgentStatus struct {
	Probe
	// Outdated is set when a minimum version is set and the agent reported
	// an older version, or one that cannot be compared (such as "dev").
	// A probe that never reported is not outdated: it has no version yet.
	Outdated bool `json:"outdated"`
	// ClockSkewed is set when the agent's clock is off the server's by
	// more than MaxClockOffset: its results are corrected, but the PC's
	// clock should be set (and results spooled before it reached the
	// server carry the wrong time).
	ClockSkewed bool `json:"clock_skewed"`
	// UpdateState is where the probe stands under the rollout in force
	// (UpdateNone, UpdateWaiting, …); UpdateVersion is that rollout's version.
	UpdateState   string `json:"update_state"`
	UpdateVersion string `json:"update_version,omitempty"`
}

// MaxClockOffset is the clock offset past which an agent is flagged.
const MaxClockOffset = time.Minute

// AgentClockSkewed reports whether an offset in milliseconds exceeds
// MaxClockOffset.
func AgentClockSkewed(offsetMS int64) bool {
	return (time.Duration(offsetMS) * time.Millisecond).Abs() > MaxClockOffset
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

// DefaultEnrolmentTTL is how long an enrolment code stays valid.
const DefaultEnrolmentTTL = 24 * time.Hour

// ValidAgentVersion reports whether v reads as a version AgentOutdated can
// compare, such as 1.2.0.
func ValidAgentVersion(v string) bool {
	_, ok := parseVersion(v)
	return ok
}
