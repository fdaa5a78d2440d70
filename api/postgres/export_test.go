package postgres

import (
	"context"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// GroupRequest is one member of a group for IngestAsGroup.
type GroupRequest struct {
	Probe api.Probe
	Agent probe.AgentInfo
	Items []api.IngestItem
}

// GroupAnswer is what IngestAsGroup gives one member.
type GroupAnswer struct {
	Out api.IngestOutcome
	Err error
}

// IngestAsGroup stores reqs (one per probe) as one group, as the collector
// would once they met in its queue; alone says the group's transaction
// failed and each member was stored by itself.
func (s *Store) IngestAsGroup(ctx context.Context, reqs []GroupRequest) (answers []GroupAnswer, alone bool) {
	group := make([]*ingestRequest, len(reqs))
	for i, r := range reqs {
		for _, it := range r.Items {
			if err := s.EnsurePartition(ctx, it.Result.ObservedAt); err != nil {
				panic(err)
			}
		}
		group[i] = &ingestRequest{p: r.Probe, agent: r.Agent, items: r.Items, done: make(chan ingestAnswer, 1)}
	}
	s.flushGroup(ctx, group)
	answers = make([]GroupAnswer, len(reqs))
	for i, r := range group {
		a := <-r.done
		alone = alone || a.alone
		answers[i] = GroupAnswer{Out: a.out, Err: a.err}
	}
	return answers, alone
}

// QueuedIngests is how many requests wait for a group.
func (s *Store) QueuedIngests() int {
	s.collect.mu.Lock()
	defer s.collect.mu.Unlock()
	return len(s.collect.pending)
}

// IngestGroups is how many groups the store's collector took, and how many
// requests they held.
func (s *Store) IngestGroups() (groups, requests int64) {
	s.collect.mu.Lock()
	defer s.collect.mu.Unlock()
	return s.collect.groups, s.collect.grouped
}

// BinaryArray is the store's own binary encoding of vs ([]int64, []int32,
// []bool, []string or []time.Time), as ingest sends it (pgarrays.go).
func BinaryArray(vs any) []byte {
	switch vs := vs.(type) {
	case []int64:
		return int8Array(vs)
	case []int32:
		return int4Array(vs)
	case []string:
		return textArray(vs)
	case []time.Time:
		return timestamptzArray(vs)
	case []bool:
		b := arrayHeader(nil, oidBool, len(vs))
		for _, v := range vs {
			b = appendBool(b, v)
		}
		return b
	}
	panic("BinaryArray: unsupported type")
}
