package postgres

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
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

// Work lists probes with queued series, then (when silences is set)
// probes with a series whose silence is due and not yet stored, by how
// long they have waited: a queued series keeps the time it was first
// queued (ingest does not move it), so a probe that uploads all the time
// cannot push another back.
//
// Only the oldest rows of each list are read (rowsPerProbe × limit, the
// queue's by index): a probe's first row among them gives its place, so
// the probes found are the longest-waiting ones; a probe whose rows all
// lie beyond waits for a later pass. Silences are read by a scan of
// series_state (no index on silent_at, which every evaluation moves: with
// one, no checkpoint write could be a HOT update), so the detector asks
// for them once a tick, not on every pass.
func (d *Detection) Work(ctx context.Context, now time.Time, limit int, silences bool) ([]detect.ProbeRef, error) {
	q, args := `SELECT office_code, probe_id FROM (
			SELECT office_code, probe_id, queued_at FROM detection_queue ORDER BY queued_at LIMIT $2
		) w GROUP BY 1, 2 ORDER BY min(queued_at) LIMIT $1`, []any{limit, rowsPerProbe * limit}
	if silences {
		q, args = `SELECT office_code, probe_id FROM (
			(SELECT office_code, probe_id, queued_at AS since FROM detection_queue ORDER BY queued_at LIMIT $3)
			UNION ALL
			(SELECT office_code, probe_id, silent_at FROM series_state WHERE NOT silent AND silent_at < $1 ORDER BY silent_at LIMIT $3)
		) w GROUP BY 1, 2 ORDER BY min(since) LIMIT $2`, []any{now, limit, rowsPerProbe * limit}
	}
	rows, err := d.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("detection work: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (detect.ProbeRef, error) {
		var p detect.ProbeRef
		err := r.Scan(&p.OfficeCode, &p.ProbeID)
		return p, err
	})
}

// rowsPerProbe is how many queue rows Work reads per probe it may return:
// an upload queues a row per series (three targets), and a probe waiting
// a few intervals has a few uploads queued.
const rowsPerProbe = 8

// seriesTarget is what evaluation needs of a target.
type seriesTarget struct {
	id    int64
	kind  string
	rules detect.Rules
}

// seriesWork is one series to re-evaluate: from is the earliest new
// observation (nil when only its silence is due); cp and first are its
// stored checkpoint and first result, when found. obs are the new results
// as the queue carried them (sorted), complete when carried.
type seriesWork struct {
	probe   detect.ProbeRef
	target  seriesTarget
	from    *time.Time
	found   bool
	cp      detect.Checkpoint
	first   time.Time
	due     bool
	obs     []detect.Obs
	carried bool
}

// live says whether the series is evaluated with what the queue carried,
// no results read: it resumes from its checkpoint and everything new is
// later (live data), or only its silence is due; or it is new, and the
// queue rows claimed hold every result it has (results and their queue
// rows commit together, and it was never evaluated).
func (w seriesWork) live() bool {
	if !w.found {
		return w.carried && len(w.obs) > 0
	}
	return w.from == nil || (w.carried && w.from.After(w.cp.LastAt))
}

// probeMarks gathers, for one probe, where any span was replaced (lo:
// causes are re-decided from there) and where a central outage changed
// (dirty: incident grouping revisits from there).
type probeMarks struct{ lo, dirty time.Time }

func earliest(cur *time.Time, t time.Time) {
	if !t.IsZero() && (cur.IsZero() || t.Before(*cur)) {
		*cur = t
	}
}

// note records what re-evaluating one series of the probe did.
func (m *probeMarks) note(kind string, r seriesResult) {
	if r.changed {
		earliest(&m.lo, r.from)
	}
	if r.changed && kind == "central" {
		earliest(&m.dirty, r.from)
	}
	if r.down && kind == "central" {
		// Its open outage is judged up to the newest result.
		earliest(&m.lo, r.from)
	}
}

// EvaluateProbes re-evaluates the probes' queued and silent series in one
// transaction (see detect.Store for the locking). The statements are per
// call, not per probe or series: series that resume from their checkpoint
// (all of them, live) are read and written together; only those that got
// results at or before their checkpoint (a spool) are replayed one by one.
func (d *Detection) EvaluateProbes(ctx context.Context, ps []detect.ProbeRef, now time.Time) (detect.ProbeOutcome, error) {
	var out detect.ProbeOutcome
	err := pgx.BeginFunc(ctx, d.pool, func(tx pgx.Tx) error {
		locked, err := lockProbes(ctx, tx, ps)
		if err != nil {
			return err
		}
		out.Evaluated, out.Skipped = len(locked), len(ps)-len(locked)
		if len(locked) == 0 {
			return nil
		}
		work, all, err := claimWork(ctx, tx, locked, now)
		if err != nil {
			return err
		}
		// Every series of the probes as stored, brought up to date below
		// as each is evaluated: causes are judged from it.
		series := probeSeries{}
		for _, w := range all {
			series.set(w.probe, w.target, w.found, w.first, w.cp)
		}
		marks := map[detect.ProbeRef]*probeMarks{}
		mark := func(p detect.ProbeRef) *probeMarks {
			if marks[p] == nil {
				marks[p] = &probeMarks{}
			}
			return marks[p]
		}
		var live []seriesWork
		for _, w := range work {
			if w.live() {
				live = append(live, w)
				continue
			}
			r, err := evaluateSeries(ctx, tx, w.probe, w, now)
			if err != nil {
				return fmt.Errorf("series %s/%d target %d: %w", w.probe.OfficeCode, w.probe.ProbeID, w.target.id, err)
			}
			out.Series++
			out.Spans += r.spans
			mark(w.probe).note(w.target.kind, r)
			if r.wrote {
				series.set(w.probe, w.target, true, r.first, r.end)
			}
		}
		results, err := evaluateLive(ctx, tx, live, series, now)
		if err != nil {
			return err
		}
		for i, r := range results {
			out.Series++
			out.Spans += r.spans
			mark(live[i].probe).note(live[i].target.kind, r)
		}
		var changed []detect.ProbeRef
		for p, m := range marks {
			if !m.lo.IsZero() {
				// Otherwise nothing changed and no central outage is open:
				// causes and incidents stand.
				changed = append(changed, p)
			}
		}
		if len(changed) == 0 {
			return nil
		}
		causes, err := recomputeCauses(ctx, tx, changed, marks, series)
		if err != nil {
			return err
		}
		for p, t := range causes {
			earliest(&marks[p].dirty, t)
		}
		return markIncidentsDirty(ctx, tx, marks)
	})
	if err != nil {
		return detect.ProbeOutcome{}, fmt.Errorf("evaluate %d probes (first %s/%d): %w", len(ps), ps[0].OfficeCode, ps[0].ProbeID, err)
	}
	return out, nil
}

// lockProbes takes the advisory lock of each probe it can and returns
// those it took. Outages are derived from results: a crash that loses this
// commit loses its queue deletions with it (asynchronous commit drops whole
// transactions, never parts), so the work is simply done again; this saves
// a WAL flush per evaluation. Incident grouping, which writes escalation's
// outbox, stays synchronous.
func lockProbes(ctx context.Context, tx pgx.Tx, ps []detect.ProbeRef) ([]detect.ProbeRef, error) {
	offices, ids := make([]string, len(ps)), make([]int64, len(ps))
	for i, p := range ps {
		offices[i], ids[i] = p.OfficeCode, p.ProbeID
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT set_config('synchronous_commit', 'off', true)`)
	var locked []detect.ProbeRef
	b.Queue(`SELECT o, p FROM unnest($1::text[], $2::bigint[]) AS u(o, p)
		WHERE pg_try_advisory_xact_lock(hashtextextended('pantau.detect:' || o || ':' || p::text, 0))`, offices, ids).
		Query(func(rows pgx.Rows) error {
			var err error
			locked, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (detect.ProbeRef, error) {
				var p detect.ProbeRef
				err := r.Scan(&p.OfficeCode, &p.ProbeID)
				return p, err
			})
			return err
		})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("probe locks: %w", err)
	}
	return locked, nil
}

// claimWork deletes the probes' queue rows and returns the series they name, with what the rows
// carried, and the series whose silence is due; and all, every series of
// the probes (each target of their offices) as stored. The rows an ingest
// commits meanwhile wait for the next pass: its results and its queue rows
// commit together, so what is claimed is exactly what is new.
func claimWork(ctx context.Context, tx pgx.Tx, ps []detect.ProbeRef, now time.Time) (work, all []seriesWork, err error) {
	offices, ids := make([]string, len(ps)), make([]int64, len(ps))
	for i, p := range ps {
		offices[i], ids[i] = p.OfficeCode, p.ProbeID
	}
	type key struct {
		p      detect.ProbeRef
		target int64
	}
	type claim struct {
		from    time.Time
		obs     []detect.Obs
		carried bool
	}
	claims := map[key]*claim{}
	var series []seriesWork
	b := &pgx.Batch{}
	// The probes' locks are held, so no other detector claims these rows
	// and none needs skipping (no FOR UPDATE: locking each row first wrote
	// every row twice). Row ids are found by a primary-key range per probe
	// and used within the statement.
	b.Queue(`DELETE FROM detection_queue q USING (SELECT x.ctid
			FROM unnest($1::text[], $2::bigint[]) AS p(oc, pid)
			CROSS JOIN LATERAL (SELECT ctid FROM detection_queue q WHERE q.office_code = p.oc AND q.probe_id = p.pid OFFSET 0) x) c
		WHERE q.ctid = c.ctid
		RETURNING q.office_code, q.probe_id, q.target_id, q.from_at, q.observed_at, q.seqs, q.oks`, offices, ids).Query(func(rows pgx.Rows) error {
		var (
			k    key
			from time.Time
			ats  []time.Time
			seqs []int64
			oks  []bool
		)
		_, err := pgx.ForEachRow(rows, []any{&k.p.OfficeCode, &k.p.ProbeID, &k.target, &from, &ats, &seqs, &oks}, func() error {
			c := claims[k]
			if c == nil {
				c = &claim{from: from, carried: true}
				claims[k] = c
			}
			c.from = minTime(c.from, from)
			// A row queued before the queue carried observations (NULL
			// arrays) has its results read from the table.
			c.carried = c.carried && ats != nil && len(ats) == len(seqs) && len(ats) == len(oks)
			if c.carried {
				for i := range ats {
					c.obs = append(c.obs, detect.Obs{At: ats[i], Seq: seqs[i], OK: oks[i]})
				}
			}
			return nil
		})
		return err
	})
	// Every target of the probes' offices: the series claimed or due are
	// picked below.
	b.Queue(`SELECT p.office_code, p.probe_id, t.id, t.kind, t.interval_seconds, t.fail_threshold, t.recover_threshold, t.silence_after,
			s.target_id IS NOT NULL, coalesce(s.first_at, 'epoch'), coalesce(s.last_at, 'epoch'), coalesce(s.last_seq, 0),
			coalesce(s.down, false), s.outage_start, coalesce(s.run, 0), s.run_start, coalesce(NOT s.silent AND s.silent_at < $3, false)
		FROM unnest($1::text[], $2::bigint[]) AS p(office_code, probe_id)
		JOIN targets t ON t.office_code = p.office_code
		-- OFFSET 0 keeps this a lookup per series: flattened, the planner
		-- hashes the whole of series_state for every chunk.
		LEFT JOIN LATERAL (SELECT * FROM series_state s
			WHERE s.office_code = p.office_code AND s.probe_id = p.probe_id AND s.target_id = t.id OFFSET 0) s ON true
		ORDER BY 1, 2, 3`, offices, ids, now).Query(func(rows pgx.Rows) error {
		var err error
		series, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (seriesWork, error) {
			var (
				w                     seriesWork
				secs                  int
				outageStart, runStart *time.Time
			)
			th, c := &w.target.rules.Thresholds, &w.cp
			err := r.Scan(&w.probe.OfficeCode, &w.probe.ProbeID, &w.target.id, &w.target.kind, &secs, &th.Fail, &th.Recover, &th.SilenceAfter,
				&w.found, &w.first, &c.LastAt, &c.LastSeq, &c.Down, &outageStart, &c.Run, &runStart, &w.due)
			w.target.rules.Interval = time.Duration(secs) * time.Second
			if outageStart != nil {
				c.OutageStart = *outageStart
			}
			if runStart != nil {
				c.RunStart = *runStart
			}
			return w, err
		})
		return err
	})
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, fmt.Errorf("claim detection queue: %w", err)
	}
	for _, w := range series {
		if c := claims[key{w.probe, w.target.id}]; c != nil {
			from := c.from
			w.from, w.carried, w.obs = &from, c.carried, c.obs
			slices.SortFunc(w.obs, func(a, b detect.Obs) int {
				return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Seq, b.Seq))
			})
		} else if !w.due {
			continue
		}
		work = append(work, w)
	}
	return work, series, nil
}

// seriesState is what causes are judged from of one series: its target's
// kind, and whether it has results, from when to when, and whether it is
// down at the last.
type seriesState struct {
	target      int64
	kind        string
	found, down bool
	first, last time.Time
}

// probeSeries holds every series of each probe of a chunk.
type probeSeries map[detect.ProbeRef][]seriesState

func (ps probeSeries) set(p detect.ProbeRef, t seriesTarget, found bool, first time.Time, cp detect.Checkpoint) {
	for i := range ps[p] {
		if s := &ps[p][i]; s.target == t.id {
			s.found, s.first, s.last, s.down = found, first, cp.LastAt, cp.Down
			return
		}
	}
	ps[p] = append(ps[p], seriesState{target: t.id, kind: t.kind, found: found, first: first, last: cp.LastAt, down: cp.Down})
}

// likelyCause is the cause a new central outage of p most likely has:
// central while one of its internet series is up at its last result, local
// when all are down, unknown without any. recomputeCauses decides; a right
// guess saves rewriting the row it inserts.
func (ps probeSeries) likelyCause(p detect.ProbeRef) api.Cause {
	c := api.CauseUnknown
	for _, s := range ps[p] {
		switch {
		case s.kind != "internet" || !s.found:
		case !s.down:
			return api.CauseCentral
		default:
			c = api.CauseLocal
		}
	}
	return c
}

// markIncidentsDirty marks, per office, the earliest time from which a
// central outage changed. Offices go in code order, so two detectors'
// transactions never wait on each other's rows in a cycle.
func markIncidentsDirty(ctx context.Context, tx pgx.Tx, marks map[detect.ProbeRef]*probeMarks) error {
	from := map[string]time.Time{}
	for p, m := range marks {
		if m.dirty.IsZero() {
			continue
		}
		t := from[p.OfficeCode]
		earliest(&t, m.dirty)
		from[p.OfficeCode] = t
	}
	if len(from) == 0 {
		return nil
	}
	codes := slices.Sorted(maps.Keys(from))
	ats := make([]time.Time, len(codes))
	for i, c := range codes {
		ats[i] = from[c]
	}
	_, err := tx.Exec(ctx, `INSERT INTO incident_dirty (office_code, from_at)
		SELECT * FROM unnest($1::text[], $2::timestamptz[]) ORDER BY 1
		ON CONFLICT (office_code) DO UPDATE SET from_at = LEAST(incident_dirty.from_at, EXCLUDED.from_at)`, codes, ats)
	if err != nil {
		return fmt.Errorf("mark incidents dirty: %w", err)
	}
	return nil
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
	err := s.pool.QueryRow(ctx, `SELECT count(DISTINCT (office_code, probe_id, target_id)), min(from_at), min(queued_at) FROM detection_queue`).Scan(&lag.Queued, &oldest, &queued)
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

// OldestUnevaluated is now − the oldest observation not yet evaluated
// (zero with an empty queue): DetectionLag's first figure alone, without
// counting the series, cheap enough to sample every second.
func (s *Store) OldestUnevaluated(ctx context.Context, now time.Time) (time.Duration, error) {
	var oldest *time.Time
	if err := s.pool.QueryRow(ctx, `SELECT min(from_at) FROM detection_queue`).Scan(&oldest); err != nil {
		return 0, fmt.Errorf("oldest unevaluated: %w", err)
	}
	if oldest == nil {
		return 0, nil
	}
	return max(now.Sub(*oldest), 0), nil
}
