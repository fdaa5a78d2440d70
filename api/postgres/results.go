package postgres

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// querier is what both a pool and a transaction offer.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// resultColumns are the columns ingest writes; received_at takes its
// default, the transaction's start.
var resultColumns = []string{"office_code", "probe_id", "seq", "observed_at", "target_id", "ok", "failure", "latency_ms", "detail", "cert_days_left", "local_at"}

// copyFrom is the batch size from which rows go in by COPY: below it one
// INSERT sent in the same round trip as the queue marks and the agent
// status is cheaper than COPY's own exchange (an agent's live upload is a
// round of 2-3 results).
const copyFrom = 32

// IngestResults stores validated results of one probe and its agent status
// in one transaction; it returns only after the commit.
//
// Concurrent calls of fewer than aloneFrom results share a transaction
// (group commit, ingest_collect.go and ingest_group.go); each is decided
// exactly as if it ran alone (ingestAlone), which is also what it falls back
// to when its group fails, and what a large batch does.
//
// What is new is decided under the probe row's lock (which also serialises
// batches of one probe): probes.max_seq is the largest seq stored, so a
// batch whose seqs are all above it is new without a lookup; items at or
// below it are looked up by (probe, seq). An item whose (probe, seq) is
// stored, or came earlier in the batch, with the same observed_at is a
// duplicate; with another observed_at it is a conflict, refused. A
// re-delivered batch thus stores nothing twice and counts what it skipped.
//
// A revoked probe (its token may still be cached by a server) is refused
// with unauthorized and nothing is written.
func (s *Store) IngestResults(ctx context.Context, p api.Probe, agent probe.AgentInfo, items []api.IngestItem) (api.IngestOutcome, error) {
	days := map[time.Time]struct{}{}
	lastDay := int64(math.MinInt64)
	for _, it := range items {
		// A batch's rows run in time order: only a change of UTC day
		// reaches the map.
		sec := it.Result.ObservedAt.Unix()
		if d := floorUnix(sec, 86400); d != lastDay {
			lastDay = d
			days[dayOf(it.Result.ObservedAt)] = struct{}{}
		}
	}
	for d := range days {
		if err := s.EnsurePartition(ctx, d); err != nil {
			return api.IngestOutcome{}, err
		}
	}
	if len(items) >= aloneFrom {
		return s.ingestAlone(ctx, p, agent, items)
	}
	a := s.collect.submit(ctx, &ingestRequest{p: p, agent: agent, items: items})
	return a.out, a.err
}

// ingestAlone stores one request in a transaction of its own (a large
// batch, or a member of a group whose transaction failed), as a group of
// one: the same statements and decisions as a group (ingest_group.go).
func (s *Store) ingestAlone(ctx context.Context, p api.Probe, agent probe.AgentInfo, items []api.IngestItem) (api.IngestOutcome, error) {
	answers, err := s.ingestGroup(ctx, []*ingestRequest{{p: p, agent: agent, items: items}})
	if err != nil {
		return api.IngestOutcome{}, err
	}
	a := answers[0]
	if a.err != nil {
		return api.IngestOutcome{}, a.err
	}
	if a.out.Accepted > 0 {
		s.arrivals.Signal() // after the commit: the detector sees the rows
	}
	return a.out, nil
}

// storedSeqs returns the observed_at already stored for the items' seqs
// that may be stored (at or below maxSeq); usually there are none and no
// query is made. It reads every partition's primary key by (office, probe,
// seq), which only re-deliveries pay for.
func storedSeqs(ctx context.Context, tx querier, p api.Probe, items []api.IngestItem, maxSeq int64) (map[int64]time.Time, error) {
	var seqs []int64
	for _, it := range items {
		if q := int64(it.Result.Seq); q <= maxSeq {
			seqs = append(seqs, q)
		}
	}
	if len(seqs) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT seq, observed_at FROM results
		WHERE office_code = $1 AND probe_id = $2 AND seq = ANY($3::bigint[])`, p.OfficeCode, p.ID, seqs)
	if err != nil {
		return nil, fmt.Errorf("look up stored seqs: %w", err)
	}
	stored := make(map[int64]time.Time, len(seqs))
	var (
		seq int64
		at  time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&seq, &at}, func() error { stored[seq] = at; return nil })
	if err != nil {
		return nil, fmt.Errorf("look up stored seqs: %w", err)
	}
	return stored, nil
}

// classify splits items into duplicates, conflicts and the positions of
// the new ones, given the seqs already stored.
func classify(items []api.IngestItem, stored map[int64]time.Time) (api.IngestOutcome, []int) {
	var out api.IngestOutcome
	fresh := make([]int, 0, len(items))
	// Seqs earlier in the batch matter only when they do not strictly
	// ascend, as an agent sends them.
	var seen map[int64]time.Time
	for i := 1; i < len(items); i++ {
		if items[i].Result.Seq <= items[i-1].Result.Seq {
			seen = make(map[int64]time.Time, len(items))
			break
		}
	}
	for i, it := range items {
		seq, at := int64(it.Result.Seq), it.Result.ObservedAt
		prev, ok := stored[seq]
		if !ok && seen != nil {
			prev, ok = seen[seq]
		}
		switch {
		case ok && prev.Equal(at):
			out.Duplicates++
		case ok:
			out.Conflicts = append(out.Conflicts, api.IngestConflict{Item: i, ObservedAt: prev})
		default:
			if seen != nil {
				seen[seq] = at
			}
			fresh = append(fresh, i)
		}
	}
	return out, fresh
}

// floorUnix rounds Unix seconds down to a multiple of unit, before 1970
// too: the UTC day or hour that holds them, without a time.Time per row.
func floorUnix(sec, unit int64) int64 { return sec - ((sec%unit)+unit)%unit }

// dayOf is the UTC day that holds t: results are partitioned by UTC day.
func dayOf(t time.Time) time.Time {
	return t.UTC().Truncate(24 * time.Hour)
}

// partitionCache remembers which daily partitions exist.
type partitionCache struct {
	mu   sync.Mutex
	days map[time.Time]bool
}

func newPartitionCache() *partitionCache { return &partitionCache{days: map[time.Time]bool{}} }

// PartitionName is the results partition that holds the UTC day of t.
func PartitionName(t time.Time) string { return "results_p" + dayOf(t).Format("20060102") }

// EnsurePartition creates the results partition for the UTC day of t if it
// is missing. Late results from a spool may fall on any past day, so ingest
// calls this for each day in a batch rather than relying on a schedule.
func (s *Store) EnsurePartition(ctx context.Context, t time.Time) error {
	day := dayOf(t)
	s.partitions.mu.Lock()
	known := s.partitions.days[day]
	s.partitions.mu.Unlock()
	if known {
		return nil
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Concurrent ingests may race to create the same partition; the lock
		// makes IF NOT EXISTS reliable.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('pantau.results.partition'))`); err != nil {
			return err
		}
		sql := fmt.Sprintf(`CREATE TABLE IF NOT EXISTS %s PARTITION OF results FOR VALUES FROM ('%s') TO ('%s')`,
			PartitionName(day), day.Format(time.RFC3339), day.Add(24*time.Hour).Format(time.RFC3339))
		_, err := tx.Exec(ctx, sql)
		return err
	})
	if err != nil {
		return fmt.Errorf("create results partition for %s: %w", day.Format(time.DateOnly), err)
	}
	s.partitions.mu.Lock()
	s.partitions.days[day] = true
	s.partitions.mu.Unlock()
	return nil
}
