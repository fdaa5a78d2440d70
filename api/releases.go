package api

import (
	"encoding/binary"
	"hash/fnv"
	"slices"
	"strings"
	"time"
)

// AgentRelease is an agent release as uploaded: the signed SHA256SUMS and
// one binary per platform.
type AgentRelease struct {
	Version    string
	Sums       []byte // SHA256SUMS, the exact signed bytes
	Signature  []byte // SHA256SUMS.sig
	Binaries   []ReleaseBinary
	UploadedAt time.Time
}

// ReleaseBinary is one platform's agent program in a release.
type ReleaseBinary struct {
	Name   string // pantau-probe-<goos>-<goarch>[.exe]
	GOOS   string
	GOARCH string
	Size   int64
	// Content is set on upload and download, not in listings.
	Content []byte
}

// Rollout scopes.
const (
	RolloutAll      = "all"
	RolloutProvince = "province"
	RolloutOffices  = "offices"
)

// Rollout says who is offered a release. The newest rollout is in force.
type Rollout struct {
	ID           int64
	Version      string
	Scope        string // RolloutAll, RolloutProvince or RolloutOffices
	ProvinceCode string
	OfficeCodes  []string
	// SharePct of the probes in scope get the release, a stable choice per
	// probe and version, so a staged share can be raised to 100 later
	// without the first share changing.
	SharePct  int
	CreatedAt time.Time
}

// InScope reports whether an office of a province is in the rollout's scope.
func (r Rollout) InScope(officeCode, provinceCode string) bool {
	switch r.Scope {
	case RolloutAll:
		return true
	case RolloutProvince:
		return provinceCode == r.ProvinceCode
	case RolloutOffices:
		return slices.Contains(r.OfficeCodes, officeCode)
	}
	return false
}

// InShare reports whether a probe falls in the rollout's staged share: a
// hash of the version and probe id below SharePct of 100.
func (r Rollout) InShare(probeID int64) bool {
	h := fnv.New64a()
	h.Write([]byte(r.Version))
	var id [8]byte
	binary.BigEndian.PutUint64(id[:], uint64(probeID))
	h.Write(id[:])
	return int(h.Sum64()%100) < r.SharePct
}

// Update states of a probe under the rollout in force, as the fleet view
// shows them.
const (
	UpdateNone    = ""        // no rollout, or the office is outside it
	UpdateWaiting = "waiting" // in scope, not in the staged share yet
	UpdateOffered = "offered" // offered, not reported the version yet
	UpdateDone    = "updated" // reports the rollout's version
	UpdateFailed  = "failed"  // the agent refused or rolled back that version
)

// UpdateState is where a probe of an office in a province stands under
// rollout r (nil: none in force). An agent built from a tag reports
// v1.4.0 for the release 1.4.0.
func UpdateState(r *Rollout, p Probe, provinceCode string) string {
	switch {
	case r == nil || !r.InScope(p.OfficeCode, provinceCode):
		return UpdateNone
	case strings.TrimPrefix(p.AgentVersion, "v") == r.Version:
		return UpdateDone
	case strings.TrimPrefix(p.UpdateFailed, "v") == r.Version:
		return UpdateFailed
	case !r.InShare(p.ID):
		return UpdateWaiting
	}
	return UpdateOffered
}
