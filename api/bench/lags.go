package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/sim"
)

// Detection lags of a cut phase (issue 14). The wait for the fail threshold
// itself (about fail_threshold × interval) is the rule, not processing, so
// each lag starts at the arrival of the result that completes it:
//
//   - detect_lag: for every office in the cut, from the server's answer to
//     the batch carrying the first result that completed the fail
//     threshold of one of its probes (sim.Figures.Completed) to a central
//     down outage of the office being visible; p99 over the offices.
//   - national_lag: from the moment those arrivals made the national rule
//     true (detect's rule 4: DefaultIncidentRules' share of all monitored
//     offices down, or that many provinces at province scope) to a national
//     incident being visible.
//   - close_lag: from the arrival that made the national incident's
//     recovery rule true (the last of the cut's offices whose probes all
//     completed the recover threshold after the cut, sim.Figures.Recovered)
//     to that incident being visible as closed.
//   - detect_lag_max: the largest age of the oldest unevaluated observation
//     (now − min(from_at) of the detection queue), sampled every second
//     while the probes measure.
//
// "Visible" is committed in the database, which is what the API serves; it
// is polled every pollEvery, so each lag is late by up to that much.
const pollEvery = 250 * time.Millisecond

// visible is what the poller saw first, and when.
type visible struct {
	offices  map[string]time.Time
	national time.Time
	// closed is when the national incident was first seen closed.
	closed time.Time
	// oldest is the largest oldest-unevaluated age sampled (until
	// stopSampling).
	oldest time.Duration
}

type visibility struct {
	cancel   context.CancelFunc
	done     chan visible
	sampling chan struct{}
}

// watchVisibility polls the store for outages and a national incident begun
// since (and its close), and samples the detection lag every second, until
// stop.
func watchVisibility(ctx context.Context, store *postgres.Store, since time.Time, progress io.Writer) *visibility {
	ctx, cancel := context.WithCancel(ctx)
	w := &visibility{cancel: cancel, done: make(chan visible, 1), sampling: make(chan struct{})}
	var (
		mu     sync.Mutex
		oldest time.Duration
		wg     sync.WaitGroup
	)
	wg.Go(func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-w.sampling:
				return
			case <-t.C:
			}
			if age, err := store.OldestUnevaluated(ctx, time.Now()); err == nil {
				mu.Lock()
				oldest = max(oldest, age)
				mu.Unlock()
			}
		}
	})
	go func() {
		seen := visible{offices: map[string]time.Time{}}
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		failures := 0
		for n := 0; ; n++ {
			offices, national, closed, err := pollVisible(ctx, store, since, seen.offices)
			now := time.Now()
			if err != nil && ctx.Err() == nil {
				if failures++; failures == 1 {
					fmt.Fprintf(progress, "soak: visibility poll: %v\n", err)
				}
			}
			for _, o := range offices {
				if _, ok := seen.offices[o]; !ok {
					seen.offices[o] = now
				}
			}
			if national && seen.national.IsZero() {
				seen.national = now
			}
			if closed && seen.closed.IsZero() {
				seen.closed = now
			}
			if n%40 == 0 { // every 10 s: how far detection trails
				if lag, err := store.DetectionLag(ctx, now); err == nil {
					fmt.Fprintf(progress, "soak: detection queue=%d oldest_unevaluated=%s outages_seen=%d national=%v closed=%v\n",
						lag.Queued, lag.Oldest.Round(100*time.Millisecond), len(seen.offices), !seen.national.IsZero(), !seen.closed.IsZero())
				}
			}
			select {
			case <-ctx.Done():
				wg.Wait()
				mu.Lock()
				seen.oldest = oldest
				mu.Unlock()
				w.done <- seen
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// stopSampling ends the detection lag's sampling (the probes stopped
// measuring); the poller goes on until stop.
func (w *visibility) stopSampling() { close(w.sampling) }

func (w *visibility) stop() visible {
	w.cancel()
	return <-w.done
}

// pollVisible returns the offices not in seen with a down outage of a
// central target begun at or after since, and whether a national incident
// begun at or after since exists and whether it is closed: what the API
// shows once the detector has committed. One index probe per office not
// yet seen (a DISTINCT over every outage of the phase, four times a
// second, cost the database as much as a detector worker).
func pollVisible(ctx context.Context, store *postgres.Store, since time.Time, seen map[string]time.Time) (offices []string, national, closed bool, err error) {
	skip := make([]string, 0, len(seen))
	for o := range seen {
		skip = append(skip, o)
	}
	rows, err := store.Pool().Query(ctx, `SELECT f.code FROM offices f WHERE f.code <> ALL($2::text[])
		AND EXISTS (SELECT 1 FROM outages o WHERE o.office_code = f.code AND o.started_at >= $1
			AND o.kind = 'down' AND o.target_kind = 'central')`, since, skip)
	if err != nil {
		return nil, false, false, fmt.Errorf("visible outages: %w", err)
	}
	if offices, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return nil, false, false, fmt.Errorf("visible outages: %w", err)
	}
	err = store.Pool().QueryRow(ctx, `SELECT count(*) > 0, coalesce(bool_and(ended_at IS NOT NULL), false) FROM incidents
		WHERE scope = 'national' AND started_at >= $1`, since).Scan(&national, &closed)
	if err != nil {
		return nil, false, false, fmt.Errorf("visible incidents: %w", err)
	}
	return offices, national, closed, nil
}

// cutLags are a cut phase's figures; -1 s stands for never visible.
type cutLags struct {
	p99, national, close, oldestMax time.Duration
}

// lags computes the phase's figures.
func lags(members []sim.Member, figs sim.Figures, seen visible, progress io.Writer) cutLags {
	var ds []time.Duration
	missing := 0
	for office, at := range figs.Completed {
		v, ok := seen.offices[office]
		if !ok {
			missing++
			continue
		}
		ds = append(ds, max(v.Sub(at), 0))
	}
	slices.Sort(ds)
	out := cutLags{p99: -time.Second, national: -time.Second, close: -time.Second, oldestMax: seen.oldest}
	if len(ds) > 0 && missing == 0 {
		out.p99 = ds[(len(ds)*99+99)/100-1]
	}
	ruleAt := nationalRuleAt(members, figs.Completed)
	if !ruleAt.IsZero() && !seen.national.IsZero() {
		out.national = max(seen.national.Sub(ruleAt), 0)
	}
	closeAt := closeRuleAt(figs.Completed, figs.Recovered)
	if !closeAt.IsZero() && !seen.closed.IsZero() {
		out.close = max(seen.closed.Sub(closeAt), 0)
	}
	fmt.Fprintf(progress, "soak: cut: %d offices completed the threshold, %d outages seen, %d never; national rule true at %s, incident seen at %s; %d offices recovered, close rule true at %s, closed seen at %s\n",
		len(figs.Completed), len(ds), missing, ruleAt.Format(time.TimeOnly+".000"), seen.national.Format(time.TimeOnly+".000"),
		len(figs.Recovered), closeAt.Format(time.TimeOnly+".000"), seen.closed.Format(time.TimeOnly+".000"))
	return out
}

// closeRuleAt is when the national incident's recovery rule became true:
// the incident closes when the last of its offices' outages does, so at
// the latest recovery of the offices in the cut; zero when one of them
// never recovered.
func closeRuleAt(completed, recovered map[string]time.Time) time.Time {
	var at time.Time
	for office := range completed {
		r, ok := recovered[office]
		if !ok {
			return time.Time{}
		}
		if r.After(at) {
			at = r
		}
	}
	return at
}

// nationalRuleAt sweeps the offices' completion times in order and returns
// the first at which the national rule holds.
func nationalRuleAt(members []sim.Member, completed map[string]time.Time) time.Time {
	rules := detect.DefaultIncidentRules
	province := map[string]string{}
	monitored := map[string]int{}
	for _, m := range members {
		if _, ok := province[m.Office.Code]; !ok {
			province[m.Office.Code] = m.Office.ProvinceCode
			monitored[m.Office.ProvinceCode]++
		}
	}
	type ev struct {
		office string
		at     time.Time
	}
	var evs []ev
	for o, at := range completed {
		evs = append(evs, ev{o, at})
	}
	slices.SortFunc(evs, func(a, b ev) int { return a.at.Compare(b.at) })
	down := map[string]int{}
	atScope := 0
	for i, e := range evs {
		p := province[e.office]
		was := reaches(down[p], monitored[p], rules.ProvinceShare)
		down[p]++
		if !was && reaches(down[p], monitored[p], rules.ProvinceShare) {
			atScope++
		}
		if reaches(i+1, len(province), rules.NationalShare) || atScope >= rules.NationalProvinces {
			return e.at
		}
	}
	return time.Time{}
}

// reaches is detect's threshold (api/detect/incidents.go): at least two
// offices and at least share of those monitored.
func reaches(peak, monitored int, share float64) bool {
	return peak >= 2 && monitored > 0 && float64(peak) >= share*float64(monitored)-1e-9
}
