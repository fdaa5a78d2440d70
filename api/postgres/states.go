package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

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
func (s *Store) loadCentralSeries(ctx context.Context, f api.OfficeFilter, from time.Time) (map[string]*officeSeries, error) {
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
func (s *Store) OfficeStates(ctx context.Context, f api.OfficeFilter, now time.Time) ([]api.OfficeState, error) {
	offices, err := s.Offices(ctx, f)
	if err != nil {
		return nil, err
	}
	from := now.Add(-stateLookback)
	series, err := s.loadCentralSeries(ctx, f, from)
	if err != nil {
		return nil, err
	}
	ms, err := queryMaintenance(ctx, s.pool, api.MaintenanceFilter{ProvinceCode: f.ProvinceCode, OfficeCode: f.Code, From: from, To: now.Add(time.Second)})
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
	series, err := s.loadCentralSeries(ctx, api.OfficeFilter{Code: office}, from)
	if err != nil {
		return nil, err
	}
	ms, err := queryMaintenance(ctx, s.pool, api.MaintenanceFilter{OfficeCode: o.Code, From: from, To: to})
	if err != nil {
		return nil, err
	}
	var central []detect.Series
	if os := series[o.Code]; os != nil {
		central = os.central
	}
	return detect.Timeline(central, windows(ms), from, to), nil
}
