package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// IncidentHook is told of every incident change inside the transaction that
// makes it, through escalation's view of that transaction (escalation writes
// its outbox there, so state and messages commit together).
type IncidentHook func(ctx context.Context, tx api.EscalationTx, ch api.IncidentChange) error

// Detection is the store as the detector sees it; it implements
// detect.Store.
type Detection struct {
	s    *Store
	pool *pgxpool.Pool
	own  bool // pool is the detector's own, closed by Close
	hook IncidentHook
	id   string // names this detector in its notifications
}

// Detection returns the detector's port over the store's pool; hook may be
// nil.
func (s *Store) Detection(hook IncidentHook) *Detection {
	return &Detection{s: s, pool: s.pool, hook: hook, id: newDetectorID()}
}

// OpenDetection returns the detector's port over a pool of its own of
// conns connections to the same database, so that ingest at full load
// cannot take the connections detection needs. Close releases it.
func (s *Store) OpenDetection(ctx context.Context, hook IncidentHook, conns int) (*Detection, error) {
	cfg := s.pool.Config().Copy()
	cfg.MaxConns, cfg.MinConns = int32(max(conns, 1)), 0
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open detection pool: %w", err)
	}
	return &Detection{s: s, pool: pool, own: true, hook: hook, id: newDetectorID()}, nil
}

// Close closes the detector's own pool, if it has one.
func (d *Detection) Close() {
	if d.own {
		d.pool.Close()
	}
}

var _ detect.Store = (*Detection)(nil)

// Work lists probes with queued series, then probes with a series whose
// silence is due and not yet stored, by how long they have waited: a
// queued series keeps the time it was first queued (ingest does not move
// it), so a probe that uploads all the time cannot push another back.
func (d *Detection) Work(ctx context.Context, now time.Time, limit int) ([]detect.ProbeRef, error) {
	rows, err := d.pool.Query(ctx, `
		SELECT office_code, probe_id FROM (
			SELECT office_code, probe_id, min(queued_at) AS since FROM detection_queue GROUP BY 1, 2
			UNION ALL
			SELECT office_code, probe_id, min(silent_at) FROM series_state WHERE NOT silent AND silent_at < $1 GROUP BY 1, 2
		) w GROUP BY 1, 2 ORDER BY min(since) LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("detection work: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (detect.ProbeRef, error) {
		var p detect.ProbeRef
		err := r.Scan(&p.OfficeCode, &p.ProbeID)
		return p, err
	})
}

// seriesTarget is what evaluation needs of a target.
type seriesTarget struct {
	id    int64
	kind  string
	rules detect.Rules
}

// seriesWork is one series to re-evaluate: from is the earliest new
// observation (nil when only its silence is due); cp and first are its
// stored checkpoint and first result, when found.
type seriesWork struct {
	target seriesTarget
	from   *time.Time
	found  bool
	cp     detect.Checkpoint
	first  time.Time
}

// EvaluateProbe re-evaluates the probe's queued and silent series in one
// transaction (see detect.Store for the locking).
func (d *Detection) EvaluateProbe(ctx context.Context, p detect.ProbeRef, now time.Time) (detect.ProbeOutcome, error) {
	var out detect.ProbeOutcome
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		// Outages are derived from results: a crash that loses this commit
		// loses its queue deletions with it (asynchronous commit drops whole
		// transactions, never parts), so the work is simply done again.
		// This saves a WAL flush per evaluation.
		// Incident grouping, which writes escalation's outbox, stays
		// synchronous.
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended('pantau.detect:' || $1 || ':' || $2::bigint::text, 0))
				FROM set_config('synchronous_commit', 'off', true)`,
			p.OfficeCode, p.ProbeID).Scan(&locked); err != nil {
			return fmt.Errorf("probe lock: %w", err)
		}
		if !locked {
			out.Skipped = true
			return nil
		}
		work, err := claimWork(ctx, tx, p, now)
		if err != nil {
			return err
		}
		// lo is where any span of the probe was replaced (causes are
		// re-decided from there); dirty where a central outage changed.
		var lo, dirty time.Time
		earliest := func(cur *time.Time, t time.Time) {
			if !t.IsZero() && (cur.IsZero() || t.Before(*cur)) {
				*cur = t
			}
		}
		for _, w := range work {
			r, err := evaluateSeries(ctx, tx, p, w, now)
			if err != nil {
				return fmt.Errorf("series target %d: %w", w.target.id, err)
			}
			out.Series++
			out.Spans += r.spans
			if r.changed {
				earliest(&lo, r.from)
			}
			if r.changed && w.target.kind == "central" {
				earliest(&dirty, r.from)
			}
			if r.down && w.target.kind == "central" {
				// Its open outage is judged up to the newest result.
				earliest(&lo, r.from)
			}
		}
		if lo.IsZero() {
			// Nothing changed and no central outage is open: causes and
			// incidents stand.
			return nil
		}
		causes, err := recomputeCauses(ctx, tx, p, lo)
		if err != nil {
			return err
		}
		earliest(&dirty, causes)
		if dirty.IsZero() {
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO incident_dirty (office_code, from_at) VALUES ($1, $2)
			ON CONFLICT (office_code) DO UPDATE SET from_at = LEAST(incident_dirty.from_at, EXCLUDED.from_at)`,
			p.OfficeCode, dirty)
		if err != nil {
			return fmt.Errorf("mark incidents dirty: %w", err)
		}
		return nil
	})
	if err != nil {
		return detect.ProbeOutcome{}, fmt.Errorf("evaluate probe %s/%d: %w", p.OfficeCode, p.ProbeID, err)
	}
	return out, nil
}

// claimWork deletes the probe's queue rows (skipping those an ingest is
// still writing: they are claimed on the next pass, after its commit) and
// adds the series whose silence is due.
func claimWork(ctx context.Context, tx pgx.Tx, p detect.ProbeRef, now time.Time) ([]seriesWork, error) {
	rows, err := tx.Query(ctx, `
		WITH claimed AS (
			DELETE FROM detection_queue q USING (
				SELECT office_code, probe_id, target_id FROM detection_queue
				WHERE office_code = $1 AND probe_id = $2 FOR UPDATE SKIP LOCKED) c
			WHERE q.office_code = c.office_code AND q.probe_id = c.probe_id AND q.target_id = c.target_id
			RETURNING q.target_id, q.from_at
		), due AS (
			SELECT target_id, NULL::timestamptz AS from_at FROM series_state
			WHERE office_code = $1 AND probe_id = $2 AND NOT silent AND silent_at < $3
		), w AS (
			SELECT target_id, min(from_at) AS from_at FROM (SELECT * FROM claimed UNION ALL SELECT * FROM due) u GROUP BY target_id
		)
		SELECT t.id, t.kind, t.interval_seconds, t.fail_threshold, t.recover_threshold, t.silence_after, w.from_at,
			s.target_id IS NOT NULL, coalesce(s.first_at, 'epoch'), coalesce(s.last_at, 'epoch'), coalesce(s.last_seq, 0),
			coalesce(s.down, false), s.outage_start, coalesce(s.run, 0), s.run_start
		FROM w JOIN targets t ON t.office_code = $1 AND t.id = w.target_id
		LEFT JOIN series_state s ON s.office_code = $1 AND s.probe_id = $2 AND s.target_id = w.target_id
		ORDER BY t.id`, p.OfficeCode, p.ProbeID, now)
	if err != nil {
		return nil, fmt.Errorf("claim detection queue: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (seriesWork, error) {
		var (
			w                     seriesWork
			secs                  int
			outageStart, runStart *time.Time
		)
		th, c := &w.target.rules.Thresholds, &w.cp
		err := r.Scan(&w.target.id, &w.target.kind, &secs, &th.Fail, &th.Recover, &th.SilenceAfter, &w.from,
			&w.found, &w.first, &c.LastAt, &c.LastSeq, &c.Down, &outageStart, &c.Run, &runStart)
		w.target.rules.Interval = time.Duration(secs) * time.Second
		if outageStart != nil {
			c.OutageStart = *outageStart
		}
		if runStart != nil {
			c.RunStart = *runStart
		}
		return w, err
	})
}

// queueCheckpoint queues the store of the engine state after the last
// result, with when its silence falls due.
func queueCheckpoint(b *pgx.Batch, p detect.ProbeRef, t seriesTarget, first time.Time, c detect.Checkpoint, now time.Time) {
	silentAt := c.LastAt.Add(time.Duration(t.rules.Thresholds.SilenceAfter) * t.rules.Interval)
	b.Queue(`INSERT INTO series_state (office_code, probe_id, target_id, first_at, last_at, last_seq,
			down, outage_start, run, run_start, silent_at, silent, evaluated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (office_code, probe_id, target_id) DO UPDATE SET first_at = EXCLUDED.first_at,
			last_at = EXCLUDED.last_at, last_seq = EXCLUDED.last_seq, down = EXCLUDED.down,
			outage_start = EXCLUDED.outage_start, run = EXCLUDED.run, run_start = EXCLUDED.run_start,
			silent_at = EXCLUDED.silent_at, silent = EXCLUDED.silent, evaluated_at = EXCLUDED.evaluated_at`,
		p.OfficeCode, p.ProbeID, t.id, first, c.LastAt, c.LastSeq, c.Down, nullTime(c.OutageStart), c.Run,
		nullTime(c.RunStart), silentAt, now.After(silentAt), now)
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// DetectionLag says how far detection is behind at now (for the admin page
// and the metrics).
func (s *Store) DetectionLag(ctx context.Context, now time.Time) (detect.Lag, error) {
	var (
		lag            detect.Lag
		oldest, queued *time.Time
	)
	err := s.pool.QueryRow(ctx, `SELECT count(*), min(from_at), min(queued_at) FROM detection_queue`).Scan(&lag.Queued, &oldest, &queued)
	if err != nil {
		return detect.Lag{}, fmt.Errorf("detection lag: %w", err)
	}
	if oldest != nil {
		lag.Oldest = max(now.Sub(*oldest), 0)
	}
	if queued != nil {
		lag.Waiting = max(now.Sub(*queued), 0)
	}
	return lag, nil
}
