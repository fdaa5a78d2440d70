package webui

import (
	"context"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/web"
	"github.com/pantau-id/pantau/web/format"
)

// historyDays is how many days the public status page shows, as peers do.
const historyDays = 90

// dayBar is one day of an office's history on its public status page.
type dayBar struct {
	State string // up, down, unknown or nodata: the day's worst state
	Title string // "8 Januari 2020: tersedia 97,5 %"
}

// history gives one bar per day of the office's zone, oldest first, the
// last being today up to now. A day is down when a down outage touched it;
// its availability is the share of its known time not down. A day without
// checks (hourly rollups) or outages has no data rather than 100 %.
func (p *Pages) history(ctx context.Context, lang, office string, loc *time.Location, now time.Time, knownNow bool) ([]dayBar, error) {
	y, m, d := now.In(loc).Date()
	first := time.Date(y, m, d-historyDays+1, 0, 0, 0, 0, loc)
	outs, err := p.store.Outages(ctx, api.OutageFilter{OfficeCode: office, From: first, To: now, Kind: "all", Limit: 1000}, now)
	if err != nil {
		return nil, fmt.Errorf("history outages of %s: %w", office, err)
	}
	rolls, err := p.store.Rollups(ctx, api.RollupFilter{OfficeCode: office, From: first, To: now})
	if err != nil {
		return nil, fmt.Errorf("history rollups of %s: %w", office, err)
	}
	checked := map[[3]int]bool{}
	for _, r := range rolls {
		if r.Checks > 0 {
			y, m, d := r.Hour.In(loc).Date()
			checked[[3]int{y, int(m), d}] = true
		}
	}
	bars := make([]dayBar, 0, historyDays)
	for i := range historyDays {
		start := time.Date(y, m, d-historyDays+1+i, 0, 0, 0, 0, loc)
		end := time.Date(y, m, d-historyDays+2+i, 0, 0, 0, 0, loc)
		if end.After(now) {
			end = now
		}
		var down, unknown []span
		for _, o := range outs {
			e := now
			if o.EndedAt != nil {
				e = *o.EndedAt
			}
			s := span{later(o.StartedAt, start), earlier(e, end)}
			if !s.to.After(s.from) {
				continue
			}
			if o.Kind == "unknown" {
				unknown = append(unknown, s)
			} else {
				down = append(down, s)
			}
		}
		sy, sm, sd := start.Date()
		measured := checked[[3]int{sy, int(sm), sd}] || len(down)+len(unknown) > 0 || (i == historyDays-1 && knownNow)
		dn, un := covered(down), covered(unknown)
		known := end.Sub(start) - un
		label := format.Day(lang, sy, sm, sd)
		b := dayBar{State: "up"}
		switch {
		case !measured || known <= 0:
			b.State = "nodata"
			b.Title = label + ": " + web.T(lang, "public.nodata")
		default:
			if dn > 0 {
				b.State = "down"
			} else if un > 0 {
				b.State = "unknown"
			}
			avail := 1 - float64(dn)/float64(known)
			b.Title = label + ": " + web.T(lang, "public.available") + " " + format.Percent(lang, max(avail, 0), 1)
		}
		bars = append(bars, b)
	}
	return bars, nil
}

type span struct{ from, to time.Time }

// covered is the length of the union of spans (outages of several targets
// overlap and must not count twice).
func covered(ss []span) time.Duration {
	var total time.Duration
	for i, s := range ss {
		// Count only the part of s not covered by an earlier span.
		parts := []span{s}
		for _, e := range ss[:i] {
			var next []span
			for _, p := range parts {
				if !e.from.Before(p.to) || !e.to.After(p.from) {
					next = append(next, p)
					continue
				}
				if e.from.After(p.from) {
					next = append(next, span{p.from, e.from})
				}
				if e.to.Before(p.to) {
					next = append(next, span{e.to, p.to})
				}
			}
			parts = next
		}
		for _, p := range parts {
			total += p.to.Sub(p.from)
		}
	}
	return total
}
