package webui

import (
	"context"
	"slices"
	"time"

	"github.com/pantau-id/pantau/api"
)

// What the pages read of detection, through the detection store's API
// (api/postgres states.go, outages.go, incidents.go). The callers have
// narrowed the offices to the user's scope already; these only shape.

// officeStates returns the state of each of offices at now, in their order;
// f is a filter that covers them (the scope's), so one query serves a board.
func (p *Pages) officeStates(ctx context.Context, offices []api.Office, f api.OfficeFilter, now time.Time) ([]api.OfficeState, error) {
	all, err := p.store.OfficeStates(ctx, f, now)
	if err != nil {
		return nil, err
	}
	by := make(map[string]api.OfficeState, len(all))
	for _, st := range all {
		by[st.OfficeCode] = st
	}
	out := make([]api.OfficeState, 0, len(offices))
	for _, o := range offices {
		st, ok := by[o.Code]
		if !ok {
			st = api.OfficeState{OfficeCode: o.Code, OfficeName: o.Name, ProvinceCode: o.ProvinceCode, State: api.StateUnknown}
		}
		out = append(out, st)
	}
	return out, nil
}

// maxOutagesShown bounds the outages of one page or report (the store's
// own upper limit).
const maxOutagesShown = 1000

// centralOutages lists the office's down outages of central targets that
// overlap [from, to), oldest first.
func (p *Pages) centralOutages(ctx context.Context, office string, from, to, now time.Time) ([]api.Outage, error) {
	outs, err := p.store.Outages(ctx, api.OutageFilter{OfficeCode: office, From: from, To: to,
		TargetKind: "central", Kind: api.KindDown, Limit: maxOutagesShown}, now)
	if err != nil {
		return nil, err
	}
	slices.Reverse(outs)
	return outs, nil
}

// incidents lists incidents overlapping [from, to), of one province when
// province is set; openOnly keeps those still open.
func (p *Pages) incidents(ctx context.Context, province string, from, to time.Time, openOnly bool) ([]api.Incident, error) {
	return p.store.Incidents(ctx, api.IncidentFilter{ProvinceCode: province, From: from, To: to, OpenOnly: openOnly, Limit: 200})
}

// acknowledgements maps each acknowledged incident to when and by whom
// (the Slack user) it was acknowledged, for the incident tables.
func (p *Pages) acknowledgements(ctx context.Context, incidents []api.Incident) (map[int64]api.Acknowledgement, error) {
	ids := make([]int64, len(incidents))
	for i, in := range incidents {
		ids[i] = in.ID
	}
	return p.store.Escalation().Acknowledgements(ctx, ids)
}
