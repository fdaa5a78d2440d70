package postgres

import (
	"context"
	"fmt"
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

// insertResults writes a batch in one statement: duplicates of (office,
// probe, seq, observed_at) are skipped, and every series that got new rows is
// queued for detection from its earliest new observation, atomically.
const insertResults = `
WITH ins AS (
	INSERT INTO results (office_code, probe_id, seq, observed_at, target_id, ok, failure, latency_ms, detail, cert_days_left)
	SELECT $1, $2, r.seq, r.observed_at, r.target_id, r.ok, r.failure, r.latency_ms, r.detail, r.cert_days_left
	FROM unnest($3::bigint[], $4::timestamptz[], $5::bigint[], $6::boolean[], $7::text[], $8::real[], $9::text[], $10::integer[])
		AS r(seq, observed_at, target_id, ok, failure, latency_ms, detail, cert_days_left)
	ON CONFLICT DO NOTHING
	RETURNING target_id, observed_at
), queued AS (
	INSERT INTO detection_queue (office_code, probe_id, target_id, from_at)
	SELECT $1, $2, target_id, min(observed_at) FROM ins GROUP BY target_id ORDER BY target_id
	ON CONFLICT (office_code, probe_id, target_id)
	DO UPDATE SET from_at = LEAST(detection_queue.from_at, EXCLUDED.from_at), queued_at = now()
)
SELECT count(*) FROM ins`

// IngestResults stores validated results of one probe and its agent status
// in one transaction; it returns only after the commit.
func (s *Store) IngestResults(ctx context.Context, p api.Probe, agent probe.AgentInfo, items []api.IngestItem) (api.IngestOutcome, error) {
	n := len(items)
	var (
		seqs     = make([]int64, n)
		times    = make([]time.Time, n)
		targets  = make([]int64, n)
		oks      = make([]bool, n)
		failures = make([]*string, n)
		lat      = make([]float32, n)
		details  = make([]string, n)
		certs    = make([]*int32, n)
	)
	days := map[time.Time]struct{}{}
	for i, it := range items {
		r := it.Result
		seqs[i] = int64(r.Seq)
		times[i] = r.ObservedAt
		targets[i] = it.TargetID
		oks[i] = r.OK
		if !r.OK {
			f := string(r.Failure)
			failures[i] = &f
		}
		lat[i] = float32(r.LatencyMS)
		details[i] = r.Detail
		if r.CertDaysLeft != nil {
			c := int32(*r.CertDaysLeft)
			certs[i] = &c
		}
		days[dayOf(r.ObservedAt)] = struct{}{}
	}
	for d := range days {
		if err := s.EnsurePartition(ctx, d); err != nil {
			return api.IngestOutcome{}, err
		}
	}
	var out api.IngestOutcome
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// One batch of a probe at a time: two concurrent batches of one probe
		// (a retry racing its original) otherwise wait on each other's keys
		// and queue rows in opposite orders and deadlock. Batches of
		// different probes never contend.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('pantau.ingest:' || $1 || ':' || $2::bigint, 0))`, p.OfficeCode, p.ID); err != nil {
			return fmt.Errorf("lock probe for ingest: %w", err)
		}
		if n > 0 {
			var accepted int
			if err := tx.QueryRow(ctx, insertResults, p.OfficeCode, p.ID, seqs, times, targets, oks, failures, lat, details, certs).Scan(&accepted); err != nil {
				return mapError(err, "results")
			}
			out = api.IngestOutcome{Accepted: accepted, Duplicates: n - accepted}
		}
		return recordAgent(ctx, tx, p, agent)
	})
	if err != nil {
		return api.IngestOutcome{}, err
	}
	return out, nil
}

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
