package bench

import (
	"context"
	"fmt"
	"io"
	"runtime/pprof"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/sim"
)

// RunIngest runs the ingest benchmark on the database at url (migrated,
// preferably empty): it registers cfg.Probes probes, generates the results,
// sends them once through the HTTP API and once through CopyFrom into fresh
// partitions of the same table, and checks both stored every row.
//
// cpuProfile, when not nil, receives a CPU profile of the API phase (the
// server runs in this process, so it shows the server's costs).
func RunIngest(ctx context.Context, url string, cfg IngestConfig, cpuProfile io.Writer) (IngestFigures, error) {
	cfg = cfg.withDefaults()
	out := cfg.Progress
	poolCfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return IngestFigures{}, fmt.Errorf("parse database url: %w", err)
	}
	poolCfg.MaxConns = int32(max(cfg.Senders+2, 4))
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return IngestFigures{}, fmt.Errorf("open database: %w", err)
	}
	defer pool.Close()
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		return IngestFigures{}, err
	}
	store := postgres.New(pool)
	fmt.Fprintf(out, "setup: registering %d probes…\n", cfg.Probes)
	members, err := sim.Register(ctx, store, provinces, offices, sim.RegisterConfig{Probes: cfg.Probes, RunID: "bench"})
	if err != nil {
		return IngestFigures{}, err
	}
	batches := generate(members, cfg.Results, cfg.Batch, time.Now())
	wire, err := encode(batches)
	if err != nil {
		return IngestFigures{}, err
	}
	fmt.Fprintf(out, "setup: %d results in %d gzip batches of up to %d, %d senders\n", cfg.Results, len(wire), cfg.Batch, cfg.Senders)

	if err := dropResults(ctx, pool); err != nil {
		return IngestFigures{}, err
	}
	base, stop, err := startServer(ctx, store)
	if err != nil {
		return IngestFigures{}, err
	}
	cpu0, cpuOK, err := markCPU(ctx, pool)
	if err != nil {
		stop()
		return IngestFigures{}, err
	}
	if cpuProfile != nil {
		if err := pprof.StartCPUProfile(cpuProfile); err != nil {
			stop()
			return IngestFigures{}, fmt.Errorf("cpu profile: %w", err)
		}
	}
	apiTook, err := sendAll(ctx, base, wire, cfg.Senders, out, cfg.ProgressEvery)
	cpu1, cpuOK1, cpuErr := markCPU(ctx, pool)
	if cpuProfile != nil {
		pprof.StopCPUProfile()
	}
	stop()
	if err != nil {
		return IngestFigures{}, fmt.Errorf("api phase: %w", err)
	}
	if cpuErr != nil {
		return IngestFigures{}, cpuErr
	}
	apiCPU := since(cpu0, cpu1)
	cpuOK = cpuOK && cpuOK1
	if err := expectRows(ctx, pool, cfg.Results, "api"); err != nil {
		return IngestFigures{}, err
	}
	fmt.Fprintf(out, "api: %d rows in %s\n", cfg.Results, apiTook.Round(time.Millisecond))
	var size int64
	if err := pool.QueryRow(ctx, `SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits
		WHERE inhparent = 'results'::regclass`).Scan(&size); err != nil {
		return IngestFigures{}, fmt.Errorf("results size: %w", err)
	}
	perResult := float64(size) / float64(cfg.Results)
	fmt.Fprintf(out, "storage: %.0f bytes per result (heap and indexes)\n", perResult)

	if err := dropResults(ctx, pool); err != nil {
		return IngestFigures{}, err
	}
	copyTook, copyCPU, copyCPUOK, err := copyAll(ctx, pool, batches, out)
	if err != nil {
		return IngestFigures{}, err
	}
	cpuOK = cpuOK && copyCPUOK
	if err := expectRows(ctx, pool, cfg.Results, "copy"); err != nil {
		return IngestFigures{}, err
	}
	fmt.Fprintf(out, "copy: %d rows in %s\n", cfg.Results, copyTook.Round(time.Millisecond))
	if cfg.Breakdown {
		paths := []struct {
			name   string
			ingest func(context.Context, batchOf) (int, error)
		}{{"store (IngestResults, no HTTP)", viaStore(postgres.New(pool))}}
		for _, p := range paths {
			if err := dropResults(ctx, pool); err != nil {
				return IngestFigures{}, err
			}
			took, err := storeAll(ctx, batches, cfg.Senders, p.ingest)
			if err != nil {
				return IngestFigures{}, fmt.Errorf("%s: %w", p.name, err)
			}
			if err := expectRows(ctx, pool, cfg.Results, p.name); err != nil {
				return IngestFigures{}, err
			}
			fmt.Fprintf(out, "breakdown: %s: %.0f rows/s\n", p.name, float64(cfg.Results)/took.Seconds())
		}
	}
	return IngestFigures{Rows: cfg.Results, API: apiTook, Copy: copyTook,
		APIRate: float64(cfg.Results) / apiTook.Seconds(), CopyRt: float64(cfg.Results) / copyTook.Seconds(), BytesPerResult: perResult,
		CPUKnown: cpuOK, APICPU: apiCPU, CopyCPU: copyCPU}, nil
}

func expectRows(ctx context.Context, pool *pgxpool.Pool, want int, phase string) error {
	n, err := countResults(ctx, pool)
	if err != nil {
		return err
	}
	if n != want {
		return fmt.Errorf("%s phase stored %d rows, want %d", phase, n, want)
	}
	return nil
}
