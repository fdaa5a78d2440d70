package detect

import (
	"cmp"
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
)

// GatherDecision says whether the first office-level message of an
// incident may go (DESIGN.md "gather", Alertmanager's group_wait).
type GatherDecision struct {
	// Ready is true once the gather window has passed.
	Ready bool
	// At is when the window ends: firstSeen + window. While not Ready, look
	// again then.
	At time.Time
	// Offices are the codes of the offices the first message covers: every
	// office in the incident as of now, in the order they joined (first
	// start), then by code; each once.
	Offices []string
}

// Gather applies the gather rule: the first office-level message of an
// incident waits window from when the incident was first seen, so that a
// province or national cut whose offices report a second or more apart
// becomes one message; it then covers every office that joined meanwhile.
// A window of zero or less does not wait.
func Gather(firstSeen time.Time, window time.Duration, now time.Time, offices []api.IncidentOffice) GatherDecision {
	d := GatherDecision{At: firstSeen.Add(max(window, 0))}
	d.Ready = !now.Before(d.At)
	os := slices.Clone(offices)
	slices.SortFunc(os, func(a, b api.IncidentOffice) int {
		return cmp.Or(a.StartedAt.Compare(b.StartedAt), cmp.Compare(a.OfficeCode, b.OfficeCode))
	})
	seen := map[string]bool{}
	for _, o := range os {
		if !seen[o.OfficeCode] {
			seen[o.OfficeCode] = true
			d.Offices = append(d.Offices, o.OfficeCode)
		}
	}
	return d
}
