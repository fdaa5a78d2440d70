package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/sim"
	"github.com/pantau-id/pantau/probe"
)

// IngestConfig sets up the ingest benchmark; zero values take the defaults.
type IngestConfig struct {
	// Results is how many results go through each path (default 1,000,000).
	Results int
	// Batch is the number of results in one HTTP batch (default 1,000).
	Batch int
	// Senders is the number of concurrent HTTP senders (default 4).
	Senders int
	// Probes is how many probes (offices) the results come from (default 200).
	Probes int
	// Breakdown also stores the batches straight through the store, without
	// HTTP and JSON (see breakdown.go).
	Breakdown bool
	// Progress receives a line every ProgressEvery (nil: silent).
	Progress      io.Writer
	ProgressEvery time.Duration
}

func (c IngestConfig) withDefaults() IngestConfig {
	if c.Results <= 0 {
		c.Results = 1_000_000
	}
	if c.Batch <= 0 {
		c.Batch = 1000
	}
	if c.Senders <= 0 {
		c.Senders = 4
	}
	if c.Probes <= 0 {
		c.Probes = 200
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.ProgressEvery <= 0 {
		c.ProgressEvery = 2 * time.Second
	}
	return c
}

// IngestFigures is what one benchmark run measured.
type IngestFigures struct {
	Rows            int
	API, Copy       time.Duration
	APIRate, CopyRt float64
	// BytesPerResult is the results partitions' size with their indexes
	// (pg_total_relation_size) after the API phase, over the rows.
	BytesPerResult float64
	// APICPU and CopyCPU are the CPU each phase spent (cpu.go), known
	// when the database runs on this machine.
	CPUKnown        bool
	APICPU, CopyCPU CPUSpent
}

// Ratio is API throughput over CopyFrom throughput.
func (f IngestFigures) Ratio() float64 {
	if f.CopyRt == 0 {
		return 0
	}
	return f.APIRate / f.CopyRt
}

// Line is the benchmark's last line, in the exact form issue 14 asks for.
func (f IngestFigures) Line() string {
	return fmt.Sprintf("ingest: api=%.0f copy=%.0f ratio=%.2f bytes_per_result=%.0f", f.APIRate, f.CopyRt, f.Ratio(), f.BytesPerResult)
}

// CPULine gives the CPU per result of each phase and copy's over the
// API's (comparable to Ratio, and hardly moved by other load); "" when
// unknown.
func (f IngestFigures) CPULine() string {
	if !f.CPUKnown || f.Rows == 0 {
		return ""
	}
	ag, ap, at := f.APICPU.perResult(f.Rows)
	cg, cp, ct := f.CopyCPU.perResult(f.Rows)
	ratio := 0.0
	if at > 0 {
		ratio = ct / at
	}
	return fmt.Sprintf("cpu: api_us_per_result=%.2f (go %.2f, postgres %.2f) copy_us_per_result=%.2f (go %.2f, postgres %.2f) cpu_ratio=%.2f",
		at, ag, ap, ct, cg, cp, ratio)
}

// batchOf is one probe's run of results, as it goes on the wire.
type batchOf struct {
	member  sim.Member
	results []probe.Result
}

// generate makes n results spread over the members, each member's results
// consecutive in seq and 15 s apart in time (two targets at 30 s), ending
// an hour before now so none is in the future. About 5 % fail. Batches are
// interleaved across members, as agents send one batch at a time each.
func generate(members []sim.Member, n, batch int, now time.Time) []batchOf {
	per := (n + len(members) - 1) / len(members)
	rng := rand.New(rand.NewPCG(1, 2))
	end := now.Add(-time.Hour).Truncate(time.Second)
	var perMember [][]batchOf
	left := n
	for _, m := range members {
		var out []batchOf
		k := min(per, left)
		left -= k
		start := end.Add(-time.Duration(k) * 15 * time.Second)
		for lo := 0; lo < k; lo += batch {
			hi := min(lo+batch, k)
			b := batchOf{member: m, results: make([]probe.Result, 0, hi-lo)}
			for i := lo; i < hi; i++ {
				r := probe.Result{Seq: uint64(i + 1), ObservedAt: start.Add(time.Duration(i) * 15 * time.Second),
					Target: sim.CentralTarget, OK: true, LatencyMS: 5 + rng.Float64()*150}
				if i%2 == 1 {
					r.Target = sim.InternetTarget
				}
				if rng.IntN(20) == 0 {
					r.OK, r.Failure, r.Detail = false, probe.FailConnect, "connect: connection refused"
				}
				b.results = append(b.results, r)
			}
			out = append(out, b)
		}
		perMember = append(perMember, out)
		if left == 0 {
			break
		}
	}
	var out []batchOf
	for i := 0; ; i++ {
		added := false
		for _, bs := range perMember {
			if i < len(bs) {
				out = append(out, bs[i])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}

// dropResults removes every results partition, the detection queue and
// the probes' stored seqs, so each path writes into fresh partitions of the
// same table as new results.
func dropResults(ctx context.Context, pool *pgxpool.Pool) error {
	rows, err := pool.Query(ctx, `SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
		WHERE i.inhparent = 'results'::regclass`)
	if err != nil {
		return fmt.Errorf("list partitions: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fmt.Errorf("list partitions: %w", err)
	}
	for _, n := range names {
		if _, err := pool.Exec(ctx, "DROP TABLE "+pgx.Identifier{n}.Sanitize()); err != nil {
			return fmt.Errorf("drop %s: %w", n, err)
		}
	}
	if _, err := pool.Exec(ctx, `TRUNCATE detection_queue`); err != nil {
		return fmt.Errorf("truncate detection_queue: %w", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE probes SET max_seq = 0`); err != nil {
		return fmt.Errorf("reset probes' seqs: %w", err)
	}
	// Start each path from the same state: nothing dirty to flush.
	if _, err := pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// countResults returns the rows in results.
func countResults(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM results`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count results: %w", err)
	}
	return n, nil
}

// copyAll writes every result with one CopyFrom into the parent table
// (PostgreSQL routes rows to partitions), creating the partitions first.
func copyAll(ctx context.Context, pool *pgxpool.Pool, batches []batchOf, progress io.Writer) (time.Duration, CPUSpent, bool, error) {
	store := postgres.New(pool)
	var rows [][]any
	days := map[time.Time]bool{}
	for _, b := range batches {
		for _, r := range b.results {
			var failure any
			if !r.OK {
				failure = string(r.Failure)
			}
			rows = append(rows, []any{b.member.Office.Code, b.member.ProbeID, int64(r.Seq), r.ObservedAt,
				b.member.TargetIDs[r.Target], r.OK, failure, float32(r.LatencyMS), r.Detail, nil})
			days[r.ObservedAt.UTC().Truncate(24*time.Hour)] = true
		}
	}
	for d := range days {
		if err := store.EnsurePartition(ctx, d); err != nil {
			return 0, CPUSpent{}, false, err
		}
	}
	fmt.Fprintf(progress, "copy: %d rows in one CopyFrom…\n", len(rows))
	cpu0, ok0, err := markCPU(ctx, pool)
	if err != nil {
		return 0, CPUSpent{}, false, err
	}
	start := time.Now()
	n, err := pool.CopyFrom(ctx, pgx.Identifier{"results"},
		[]string{"office_code", "probe_id", "seq", "observed_at", "target_id", "ok", "failure", "latency_ms", "detail", "cert_days_left"},
		pgx.CopyFromRows(rows))
	took := time.Since(start)
	if err != nil {
		return 0, CPUSpent{}, false, fmt.Errorf("copy results: %w", err)
	}
	if int(n) != len(rows) {
		return 0, CPUSpent{}, false, fmt.Errorf("copy wrote %d rows, want %d", n, len(rows))
	}
	cpu1, ok1, err := markCPU(ctx, pool)
	if err != nil {
		return 0, CPUSpent{}, false, err
	}
	return took, since(cpu0, cpu1), ok0 && ok1, nil
}
