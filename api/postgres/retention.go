package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// RetentionPolicy returns the policy in force.
func (s *Store) RetentionPolicy(ctx context.Context) (api.RetentionPolicy, error) {
	var p api.RetentionPolicy
	err := s.pool.QueryRow(ctx, `SELECT raw_days, rollup_days, updated_at FROM retention_policy`).
		Scan(&p.RawDays, &p.RollupDays, &p.UpdatedAt)
	if err != nil {
		return p, mapError(err, "retention policy")
	}
	return p, nil
}

// SetRetentionPolicy changes the policy; the maintenance job applies it on
// its next run.
func (s *Store) SetRetentionPolicy(ctx context.Context, p api.RetentionPolicy) error {
	switch {
	case p.RawDays < 2:
		return api.FieldErrorf("raw_days", "must be at least 2 (today and yesterday are always written to)")
	case p.RollupDays < 0:
		return api.FieldErrorf("rollup_days", "must not be negative (0 keeps rollups for ever)")
	case p.RollupDays != 0 && p.RollupDays < p.RawDays:
		return api.FieldErrorf("rollup_days", "must be 0 or at least raw_days (%d): rollups outlive raw rows", p.RawDays)
	}
	_, err := s.pool.Exec(ctx, `UPDATE retention_policy SET raw_days = $1, rollup_days = $2, updated_at = now()`, p.RawDays, p.RollupDays)
	return mapError(err, "retention policy")
}

// ResultPartitions lists the UTC days that have a results partition, oldest
// first. Tables attached under another name are ignored: retention only
// drops what EnsurePartition made.
func (s *Store) ResultPartitions(ctx context.Context) ([]time.Time, error) {
	rows, err := s.pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'results'::regclass`)
	if err != nil {
		return nil, fmt.Errorf("list results partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list results partitions: %w", err)
	}
	var days []time.Time
	for _, n := range names {
		if d, ok := partitionDay(n); ok {
			days = append(days, d)
		}
	}
	sort.Slice(days, func(i, j int) bool { return days[i].Before(days[j]) })
	return days, nil
}

// partitionDay reads the day back from a PartitionName.
func partitionDay(name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, "results_p")
	if !ok {
		return time.Time{}, false
	}
	d, err := time.Parse("20060102", rest)
	return d, err == nil
}

// DropResultPartition detaches the partition of the UTC day of t and drops
// it. DETACH … CONCURRENTLY takes only a SHARE UPDATE EXCLUSIVE lock on
// results, so ingest into today's partition never waits behind retention;
// it cannot run inside a transaction, hence two statements. A detach left
// half done by a crash is finished first. lockTimeout bounds the wait for
// readers of the old partition (0: the server's default).
func (s *Store) DropResultPartition(ctx context.Context, t time.Time, lockTimeout time.Duration) error {
	day := dayOf(t)
	name := pgx.Identifier{PartitionName(day)}.Sanitize()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("drop partition %s: %w", name, err)
	}
	defer conn.Release()
	if lockTimeout > 0 {
		if _, err := conn.Exec(ctx, fmt.Sprintf("SET lock_timeout = %d", lockTimeout.Milliseconds())); err != nil {
			return fmt.Errorf("drop partition %s: %w", name, err)
		}
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), "RESET lock_timeout") }()
	}
	var attached, pending bool
	err = conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = 'results'::regclass),
			EXISTS (SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhdetachpending)`, PartitionName(day)).Scan(&attached, &pending)
	if err != nil {
		return fmt.Errorf("drop partition %s: %w", name, err)
	}
	switch {
	case pending:
		_, err = conn.Exec(ctx, "ALTER TABLE results DETACH PARTITION "+name+" FINALIZE")
	case attached:
		_, err = conn.Exec(ctx, "ALTER TABLE results DETACH PARTITION "+name+" CONCURRENTLY")
	}
	if err != nil {
		return fmt.Errorf("detach partition %s: %w", name, err)
	}
	// Forget it before the drop: a late result for that day recreates it and
	// the next run rolls it up and drops it again.
	s.partitions.mu.Lock()
	delete(s.partitions.days, day)
	s.partitions.mu.Unlock()
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+name); err != nil {
		return fmt.Errorf("drop partition %s: %w", name, err)
	}
	return nil
}

// DeleteRollupsBefore deletes rollups of hours before t and says how many.
func (s *Store) DeleteRollupsBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM result_rollups WHERE hour < $1`, t)
	if err != nil {
		return 0, fmt.Errorf("delete old rollups: %w", err)
	}
	return tag.RowsAffected(), nil
}
