package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// The breakdown runs the same batches straight into the store, without
// HTTP, to tell the server's HTTP and JSON costs from the database's: once
// through Store.IngestResults as it is, once through copyIngest, the
// CopyFrom-first write proposed in docs/scaling.md.

// storeAll calls ingest for every batch with senders workers.
func storeAll(ctx context.Context, batches []batchOf, senders int, ingest func(context.Context, batchOf) (int, error)) (time.Duration, error) {
	work := make(chan batchOf)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for b := range work {
				n, err := ingest(ctx, b)
				if err == nil && n != len(b.results) {
					err = fmt.Errorf("stored %d of %d", n, len(b.results))
				}
				if err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, b := range batches {
		if ctx.Err() != nil {
			break
		}
		work <- b
	}
	close(work)
	wg.Wait()
	return time.Since(start), errors.Join(first, ctx.Err())
}

// viaStore is the current write path, Store.IngestResults.
func viaStore(store *postgres.Store) func(context.Context, batchOf) (int, error) {
	return func(ctx context.Context, b batchOf) (int, error) {
		items := make([]api.IngestItem, len(b.results))
		for i, r := range b.results {
			items[i] = api.IngestItem{TargetID: b.member.TargetIDs[r.Target], Result: r}
		}
		p := api.Probe{OfficeCode: b.member.Office.Code, ID: b.member.ProbeID}
		out, err := store.IngestResults(ctx, p, probe.AgentInfo{Version: "bench"}, items)
		return out.Accepted, err
	}
}

// copyIngest is the proposed write path: inside the transaction, a
// savepoint, a CopyFrom of the whole batch straight into results, and the
// detection queue marked from the batch's own minimum per target. A batch
// holding any duplicate fails the COPY with 23505; the transaction is
// rolled back (nothing else was written yet) and the batch goes through the existing INSERT … ON CONFLICT DO
// NOTHING statement, so idempotency is unchanged and only re-deliveries pay
// for the slow path.
func copyIngest(pool *pgxpool.Pool, store *postgres.Store) func(context.Context, batchOf) (int, error) {
	fallback := viaStore(store)
	return func(ctx context.Context, b batchOf) (int, error) {
		for _, r := range b.results {
			if err := store.EnsurePartition(ctx, r.ObservedAt); err != nil {
				return 0, err
			}
		}
		rows := make([][]any, len(b.results))
		from := map[int64]time.Time{}
		for i, r := range b.results {
			var failure any
			if !r.OK {
				failure = string(r.Failure)
			}
			tid := b.member.TargetIDs[r.Target]
			rows[i] = []any{b.member.Office.Code, b.member.ProbeID, int64(r.Seq), r.ObservedAt, tid, r.OK, failure, float32(r.LatencyMS), r.Detail, nil}
			if f, ok := from[tid]; !ok || r.ObservedAt.Before(f) {
				from[tid] = r.ObservedAt
			}
		}
		dup := false
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"results"},
				[]string{"office_code", "probe_id", "seq", "observed_at", "target_id", "ok", "failure", "latency_ms", "detail", "cert_days_left"},
				pgx.CopyFromRows(rows))
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				dup = true
				return err // roll back; the fallback runs below
			}
			if err != nil {
				return fmt.Errorf("copy batch: %w", err)
			}
			// In target order, so two batches of one probe cannot deadlock.
			tids := make([]int64, 0, len(from))
			for tid := range from {
				tids = append(tids, tid)
			}
			slices.Sort(tids)
			for _, tid := range tids {
				at := from[tid]
				if _, err := tx.Exec(ctx, `INSERT INTO detection_queue (office_code, probe_id, target_id, from_at) VALUES ($1, $2, $3, $4)
					ON CONFLICT (office_code, probe_id, target_id)
					DO UPDATE SET from_at = LEAST(detection_queue.from_at, EXCLUDED.from_at), queued_at = now()`,
					b.member.Office.Code, b.member.ProbeID, tid, at); err != nil {
					return fmt.Errorf("queue detection: %w", err)
				}
			}
			_, err = tx.Exec(ctx, `UPDATE probes SET last_seen_at = now() WHERE office_code = $1 AND id = $2`, b.member.Office.Code, b.member.ProbeID)
			return err
		})
		if dup {
			return fallback(ctx, b)
		}
		if err != nil {
			return 0, err
		}
		return len(rows), nil
	}
}
