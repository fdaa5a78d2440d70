package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// The breakdown runs the same batches straight into the store through
// Store.IngestResults, without HTTP, to tell the server's HTTP and JSON
// costs from the database's.

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
