package postgres

import (
	"context"
	"crypto/sha256"
	"sync"

	"github.com/pantau-id/pantau/api"
)

// ingestCache spares every upload the probe lookup and the target names:
// at 1,000 requests/s those were two of six round trips per request.
//
// Invalidation:
//   - Probes: only live probes are cached, by the SHA-256 of the whole token
//     (a token never changes: it is made with its probe). Revocation takes
//     effect at once everywhere because the ingest transaction itself locks
//     the probe row and refuses a revoked probe (IngestResults), whichever
//     server cached it; that refusal and RevokeProbe evict the entry. Other
//     probe routes (config) authenticate uncached.
//   - Targets: a target keeps its id for ever (PutTarget keeps it, nothing
//     deletes or renames one), so a cached name→id map is never wrong, only
//     incomplete after a target is added, here or on another server. A name
//     missing from it reloads the office's map once before an item is
//     rejected (TargetIDsCached with refresh).
type ingestCache struct {
	mu      sync.Mutex
	probes  map[[sha256.Size]byte]api.Probe
	targets map[string]map[string]int64
}

// maxCachedProbes bounds the probe cache; past it the cache starts afresh
// (10,000 service points fit many times over).
const maxCachedProbes = 100_000

func newIngestCache() *ingestCache {
	return &ingestCache{probes: map[[sha256.Size]byte]api.Probe{}, targets: map[string]map[string]int64{}}
}

// AuthenticateProbeCached is AuthenticateProbe for ingest: a token seen
// live before is not looked up again. IngestResults checks in its own
// transaction that the probe is still live, so a revoked probe's batch is
// refused at once even when its token is cached.
func (s *Store) AuthenticateProbeCached(ctx context.Context, token string) (api.Probe, error) {
	sum := sha256.Sum256([]byte(token))
	c := s.ingest
	c.mu.Lock()
	p, ok := c.probes[sum]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	p, err := s.AuthenticateProbe(ctx, token)
	if err != nil {
		return p, err
	}
	c.mu.Lock()
	if len(c.probes) >= maxCachedProbes {
		c.probes = map[[sha256.Size]byte]api.Probe{}
	}
	c.probes[sum] = p
	c.mu.Unlock()
	return p, nil
}

// forgetProbe drops every cached token of a probe.
func (c *ingestCache) forgetProbe(officeCode string, id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, p := range c.probes {
		if p.OfficeCode == officeCode && p.ID == id {
			delete(c.probes, k)
		}
	}
}

// TargetIDsCached maps the office's target names to ids from the cache;
// refresh reloads the office's map first (call it once a batch names a
// target the cached map lacks, before rejecting it).
func (s *Store) TargetIDsCached(ctx context.Context, officeCode string, refresh bool) (map[string]int64, error) {
	c := s.ingest
	if !refresh {
		c.mu.Lock()
		ids, ok := c.targets[officeCode]
		c.mu.Unlock()
		if ok {
			return ids, nil
		}
	}
	ids, err := s.TargetIDs(ctx, officeCode)
	if err != nil {
		return nil, err
	}
	// The map is shared read-only from here on.
	c.mu.Lock()
	c.targets[officeCode] = ids
	c.mu.Unlock()
	return ids, nil
}
