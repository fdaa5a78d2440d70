package httpapi

import (
	"context"
	"sync"
	"time"
)

// keptSince tells ingest the oldest observation time still kept: results
// older than the retention window would re-create a dropped partition and
// be dropped again at the next maintenance run, so they are refused, each
// with its reason. The policy is read at most once a minute.
type keptSince struct {
	mu      sync.Mutex
	rawDays int
	read    time.Time
}

// cutoff returns the start of the oldest UTC day kept at now, or the zero
// time when the policy cannot be read (then nothing is refused for age).
func (s *API) retentionCutoff(ctx context.Context, now time.Time) time.Time {
	k := s.kept
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.read) > time.Minute {
		if p, err := s.store.RetentionPolicy(ctx); err == nil {
			k.rawDays, k.read = p.RawDays, now
		}
	}
	if k.rawDays <= 0 {
		return time.Time{}
	}
	today := now.UTC().Truncate(24 * time.Hour)
	return today.AddDate(0, 0, -(k.rawDays - 1))
}
