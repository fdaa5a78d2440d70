package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

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
//
// "Visible" is committed in the database, which is what the API serves; it
// is polled every pollEvery, so each lag is late by up to that much.
const pollEvery = 250 * time.Millisecond

// visible is what the poller saw first, and when.
type visible struct {
	offices  map[string]time.Time
	national time.Time
}

type visibility struct {
	cancel context.CancelFunc
	done   chan visible
}

// watchVisibility polls the store for outages and a national incident begun
// since, until stop.
func watchVisibility(ctx context.Context, store *postgres.Store, since time.Time, progress io.Writer) *visibility {
	ctx, cancel := context.WithCancel(ctx)
	w := &visibility{cancel: cancel, done: make(chan visible, 1)}
	go func() {
		seen := visible{offices: map[string]time.Time{}}
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		failures := 0
		for n := 0; ; n++ {
			offices, national, err := sim.Visible(ctx, store, since)
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
			if n%40 == 0 { // every 10 s: how far detection trails
				if lag, err := store.DetectionLag(ctx, now); err == nil {
					fmt.Fprintf(progress, "soak: detection queue=%d oldest_unevaluated=%s outages_seen=%d national=%v\n",
						lag.Queued, lag.Oldest.Round(100*time.Millisecond), len(seen.offices), !seen.national.IsZero())
				}
			}
			select {
			case <-ctx.Done():
				w.done <- seen
				return
			case <-t.C:
			}
		}
	}()
	return w
}

func (w *visibility) stop() visible {
	w.cancel()
	return <-w.done
}

// lags computes the phase's two figures; -1 s stands for never visible.
func lags(members []sim.Member, completed map[string]time.Time, seen visible, progress io.Writer) (p99, national time.Duration) {
	var ds []time.Duration
	missing := 0
	for office, at := range completed {
		v, ok := seen.offices[office]
		if !ok {
			missing++
			continue
		}
		ds = append(ds, max(v.Sub(at), 0))
	}
	slices.Sort(ds)
	p99 = -time.Second
	if len(ds) > 0 && missing == 0 {
		p99 = ds[(len(ds)*99+99)/100-1]
	}
	ruleAt := nationalRuleAt(members, completed)
	national = -time.Second
	if !ruleAt.IsZero() && !seen.national.IsZero() {
		national = max(seen.national.Sub(ruleAt), 0)
	}
	fmt.Fprintf(progress, "soak: cut: %d offices completed the threshold, %d outages seen, %d never; national rule true at %s, incident seen at %s\n",
		len(completed), len(ds), missing, ruleAt.Format(time.TimeOnly+".000"), seen.national.Format(time.TimeOnly+".000"))
	return p99, national
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
