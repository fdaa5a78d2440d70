package server

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// This file reads what the pages show of detection: each office's central
// series (first result and stored down/unknown spans), maintenance windows,
// and the newest result. It reads the detection tables through the pool
// because the detection store's read API (office states, timelines) has not
// landed yet; the state and timeline themselves come from api/detect's
// OfficeStateAt/Timeline/Current, so they are the detector's own rules.
// When postgres grows OfficeStates/Timeline, these functions shrink to calls.

// officeSeries is what the pages need of one office over a period.
type officeSeries struct {
	central []detect.Series
	windows []detect.Window
	last    *time.Time // newest observed result, if any in the lookback
}

// stateLookback bounds how far back "since" and the newest result are read.
const stateLookback = 31 * 24 * time.Hour

// loadSeries reads the central series, maintenance windows and newest result
// of offices over [from, to).
func (p *pages) loadSeries(ctx context.Context, offices []api.Office, from, to time.Time) (map[string]*officeSeries, error) {
	codes := make([]string, len(offices))
	out := make(map[string]*officeSeries, len(offices))
	province := map[string]string{}
	for i, o := range offices {
		codes[i] = o.Code
		out[o.Code] = &officeSeries{}
		province[o.Code] = o.ProvinceCode
	}
	pool := p.s.store.Pool()
	// One series per (probe, central target); spans overlapping the period.
	rows, err := pool.Query(ctx, `
		SELECT ss.office_code, ss.probe_id, ss.target_id, ss.first_at, o.kind, o.started_at, o.ended_at
		FROM series_state ss
		JOIN targets t ON t.office_code = ss.office_code AND t.id = ss.target_id AND t.kind = 'central'
		LEFT JOIN outages o ON o.office_code = ss.office_code AND o.probe_id = ss.probe_id AND o.target_id = ss.target_id
			AND o.started_at < $3 AND (o.ended_at IS NULL OR o.ended_at > $2)
		WHERE ss.office_code = ANY($1)
		ORDER BY ss.office_code, ss.probe_id, ss.target_id, o.started_at`, codes, from, to)
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	type key struct {
		office        string
		probe, target int64
	}
	idx := map[key]int{}
	var (
		k        key
		first    time.Time
		kind     *string
		start    *time.Time
		end      *time.Time
		scanArgs = []any{&k.office, &k.probe, &k.target, &first, &kind, &start, &end}
	)
	_, err = pgx.ForEachRow(rows, scanArgs, func() error {
		os := out[k.office]
		i, ok := idx[k]
		if !ok {
			i = len(os.central)
			idx[k] = i
			os.central = append(os.central, detect.Series{First: first})
		}
		if kind != nil {
			sp := detect.Span{Kind: *kind, Start: *start}
			if end != nil {
				e := *end
				sp.End = &e
			}
			os.central[i].Spans = append(os.central[i].Spans, sp)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read series: %w", err)
	}
	if err := p.loadWindows(ctx, out, province, from, to); err != nil {
		return nil, err
	}
	rows, err = pool.Query(ctx, `SELECT office_code, max(observed_at) FROM results
		WHERE office_code = ANY($1) AND observed_at > $2 AND observed_at <= $3 GROUP BY office_code`,
		codes, to.Add(-stateLookback), to)
	if err != nil {
		return nil, fmt.Errorf("newest results: %w", err)
	}
	var (
		code string
		at   time.Time
	)
	_, err = pgx.ForEachRow(rows, []any{&code, &at}, func() error {
		t := at
		out[code].last = &t
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("newest results: %w", err)
	}
	return out, nil
}

// loadWindows adds the maintenance windows covering each office.
func (p *pages) loadWindows(ctx context.Context, out map[string]*officeSeries, province map[string]string, from, to time.Time) error {
	rows, err := p.s.store.Pool().Query(ctx, `SELECT id, scope, coalesce(office_code, ''), coalesce(province_code, ''), starts_at, ends_at
		FROM maintenance_windows WHERE starts_at < $2 AND ends_at > $1 ORDER BY starts_at`, from, to)
	if err != nil {
		return fmt.Errorf("read maintenance windows: %w", err)
	}
	var (
		w                       detect.Window
		scope, office, provCode string
	)
	_, err = pgx.ForEachRow(rows, []any{&w.ID, &scope, &office, &provCode, &w.Start, &w.End}, func() error {
		for code, os := range out {
			if scope == api.ScopeNational || (scope == api.ScopeOffice && office == code) || (scope == api.ScopeProvince && province[code] == provCode) {
				os.windows = append(os.windows, w)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read maintenance windows: %w", err)
	}
	return nil
}

// officeStates is the current state of each office at now, in the order given.
func (p *pages) officeStates(ctx context.Context, offices []api.Office, now time.Time) ([]api.OfficeState, error) {
	series, err := p.loadSeries(ctx, offices, now.Add(-stateLookback), now.Add(time.Nanosecond))
	if err != nil {
		return nil, err
	}
	out := make([]api.OfficeState, 0, len(offices))
	for _, o := range offices {
		os := series[o.Code]
		st := api.OfficeState{OfficeCode: o.Code, OfficeName: o.Name, ProvinceCode: o.ProvinceCode, State: api.StateUnknown}
		cur, win := detect.Current(os.central, os.windows, now, stateLookback)
		st.State = cur.State
		st.Underlying = cur.Underlying
		if len(os.central) > 0 && !cur.From.IsZero() {
			since := cur.From
			st.Since = &since
		}
		if win != nil {
			id := win.ID
			st.MaintenanceID = &id
		}
		if st.State == api.StateDown || st.Underlying == api.StateDown {
			st.Cause = p.openCause(ctx, o.Code)
		}
		if os.last != nil {
			st.LastResultAt = os.last
			age := now.Sub(*os.last).Seconds()
			st.LastResultAgeSeconds = &age
		}
		out = append(out, st)
	}
	return out, nil
}

// openCause is the cause of the office's open central down outage.
func (p *pages) openCause(ctx context.Context, office string) api.Cause {
	var cause string
	err := p.s.store.Pool().QueryRow(ctx, `SELECT cause FROM outages WHERE office_code = $1 AND ended_at IS NULL
		AND kind = 'down' AND target_kind = 'central' ORDER BY started_at LIMIT 1`, office).Scan(&cause)
	if err != nil {
		return api.CauseUnknown
	}
	return api.Cause(cause)
}
