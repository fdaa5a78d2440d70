package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// IncidentHook is told of every incident change inside the transaction that
// makes it (escalation writes its outbox there).
type IncidentHook func(ctx context.Context, tx pgx.Tx, ch api.IncidentChange) error

// Detection is the store as the detector sees it; it implements
// detect.Store.
type Detection struct {
	s    *Store
	hook IncidentHook
}

// Detection returns the detector's port; hook may be nil.
func (s *Store) Detection(hook IncidentHook) *Detection { return &Detection{s: s, hook: hook} }

var _ detect.Store = (*Detection)(nil)

// Work lists probes with queued series, then probes with a series whose
// silence is due and not yet stored.
func (d *Detection) Work(ctx context.Context, now time.Time, limit int) ([]detect.ProbeRef, error) {
	rows, err := d.s.pool.Query(ctx, `
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
	err := pgx.BeginFunc(ctx, d.s.pool, func(tx pgx.Tx) error {
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

// stateLookback bounds how far back OfficeStates looks for "since": an
// office in the same state for longer reports the start of the lookback.
const stateLookback = 30 * 24 * time.Hour

// officeSeries is what the state queries load per office.
type officeSeries struct {
	central  []detect.Series
	downSpan map[time.Time]api.Cause // open down outage start → cause
}

// loadCentralSeries loads the central series of the offices selected by f
// with their spans overlapping [from, ∞).
func (s *Store) loadCentralSeries(ctx context.Context, f OfficeFilter, from time.Time) (map[string]*officeSeries, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.office_code, s.probe_id, s.target_id, s.first_at,
			o.started_at, o.ended_at, o.kind, o.cause
		FROM series_state s
		JOIN offices f ON f.code = s.office_code
		JOIN targets t ON t.office_code = s.office_code AND t.id = s.target_id AND t.kind = 'central'
		LEFT JOIN outages o ON o.office_code = s.office_code AND o.probe_id = s.probe_id AND o.target_id = s.target_id
			AND (o.ended_at IS NULL OR o.ended_at > $3)
		WHERE ($1 = '' OR f.province_code = $1) AND ($2 = '' OR s.office_code = $2)
		ORDER BY s.office_code, s.probe_id, s.target_id, o.started_at`, f.ProvinceCode, f.Code, from)
	if err != nil {
		return nil, fmt.Errorf("office series: %w", err)
	}
	out := map[string]*officeSeries{}
	var (
		office, lastKey string
		probeID, target int64
		first           time.Time
		start, end      *time.Time
		kind, cause     *string
	)
	_, err = pgx.ForEachRow(rows, []any{&office, &probeID, &target, &first, &start, &end, &kind, &cause}, func() error {
		os := out[office]
		if os == nil {
			os = &officeSeries{downSpan: map[time.Time]api.Cause{}}
			out[office] = os
		}
		if key := fmt.Sprint(office, probeID, target); key != lastKey {
			os.central = append(os.central, detect.Series{First: first})
			lastKey = key
		}
		if start == nil {
			return nil
		}
		sp := detect.Span{Kind: *kind, Start: *start}
		if end != nil {
			e := *end
			sp.End = &e
		} else if *kind == api.KindDown {
			os.downSpan[*start] = api.Cause(*cause)
		}
		cur := &os.central[len(os.central)-1]
		cur.Spans = append(cur.Spans, sp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("office series: %w", err)
	}
	return out, nil
}

// applies reports whether window m covers office o.
func applies(m api.MaintenanceWindow, o api.Office) bool {
	return m.Scope == api.ScopeNational || m.OfficeCode == o.Code || m.ProvinceCode == o.ProvinceCode
}

// OfficeStates returns the current state of every office f selects: up,
// down, unknown or maintenance (with the measured state beside it), since
// when, the cause while down, and the age of the newest result.
func (s *Store) OfficeStates(ctx context.Context, f OfficeFilter, now time.Time) ([]api.OfficeState, error) {
	offices, err := s.Offices(ctx, f)
	if err != nil {
		return nil, err
	}
	from := now.Add(-stateLookback)
	series, err := s.loadCentralSeries(ctx, f, from)
	if err != nil {
		return nil, err
	}
	ms, err := queryMaintenance(ctx, s.pool, MaintenanceFilter{ProvinceCode: f.ProvinceCode, OfficeCode: f.Code, From: from, To: now.Add(time.Second)})
	if err != nil {
		return nil, err
	}
	last := map[string]time.Time{}
	rows, err := s.pool.Query(ctx, `SELECT office_code, max(last_at) FROM series_state GROUP BY 1`)
	if err != nil {
		return nil, fmt.Errorf("last results: %w", err)
	}
	var (
		code string
		t    time.Time
	)
	if _, err := pgx.ForEachRow(rows, []any{&code, &t}, func() error { last[code] = t; return nil }); err != nil {
		return nil, fmt.Errorf("last results: %w", err)
	}
	out := make([]api.OfficeState, 0, len(offices))
	for _, o := range offices {
		st := api.OfficeState{OfficeCode: o.Code, OfficeName: o.Name, ProvinceCode: o.ProvinceCode, State: api.StateUnknown}
		var ws []api.MaintenanceWindow
		for _, m := range ms {
			if applies(m, o) {
				ws = append(ws, m)
			}
		}
		os := series[o.Code]
		if os == nil {
			os = &officeSeries{}
		}
		cur, w := detect.Current(os.central, windows(ws), now, stateLookback)
		st.State, st.Underlying = cur.State, cur.Underlying
		if len(os.central) > 0 {
			since := cur.From
			st.Since = &since
		}
		if w != nil {
			id := w.ID
			st.MaintenanceID = &id
		}
		if st.State == api.StateDown || st.Underlying == api.StateDown {
			st.Cause = earliestCause(os.downSpan)
		}
		if l, ok := last[o.Code]; ok {
			age := now.Sub(l).Seconds()
			st.LastResultAt, st.LastResultAgeSeconds = &l, &age
		}
		out = append(out, st)
	}
	return out, nil
}

// earliestCause is the cause of the longest-open down outage.
func earliestCause(open map[time.Time]api.Cause) api.Cause {
	var (
		first time.Time
		c     api.Cause
	)
	for t, cause := range open {
		if first.IsZero() || t.Before(first) {
			first, c = t, cause
		}
	}
	return c
}

// maxTimeline bounds one timeline request.
const maxTimeline = 366 * 24 * time.Hour

// OfficeTimeline returns the office's state over [from, to), capped at now:
// intervals of up, down, unknown and maintenance (DESIGN.md: unknown and
// maintenance are shown, never hidden).
func (s *Store) OfficeTimeline(ctx context.Context, office string, from, to, now time.Time) ([]api.StateInterval, error) {
	switch {
	case from.IsZero():
		return nil, api.FieldErrorf("from", "is required")
	case !to.IsZero() && !to.After(from):
		return nil, api.FieldErrorf("to", "must be after from")
	}
	if to.IsZero() || to.After(now) {
		to = now
	}
	if to.Sub(from) > maxTimeline {
		return nil, api.FieldErrorf("from", "a timeline covers at most 366 days")
	}
	o, err := s.Office(ctx, office)
	if err != nil {
		return nil, err
	}
	series, err := s.loadCentralSeries(ctx, OfficeFilter{Code: office}, from)
	if err != nil {
		return nil, err
	}
	ms, err := queryMaintenance(ctx, s.pool, MaintenanceFilter{OfficeCode: o.Code, From: from, To: to})
	if err != nil {
		return nil, err
	}
	var central []detect.Series
	if os := series[o.Code]; os != nil {
		central = os.central
	}
	return detect.Timeline(central, windows(ms), from, to), nil
}
