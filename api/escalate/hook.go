package escalate

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
)

// EventFromChange turns the detector's api.IncidentChange into an
// IncidentEvent; false for a change escalation has nothing to say about.
func EventFromChange(ch api.IncidentChange) (IncidentEvent, bool) {
	kinds := map[string]Kind{
		api.IncidentOpened: Opened, api.IncidentScopeChanged: ScopeChanged, api.IncidentUpdated: ScopeChanged,
		api.IncidentRecovered: Recovered, api.IncidentReopened: Reopened, api.IncidentRetracted: Retracted,
	}
	kind, ok := kinds[ch.Kind]
	if !ok {
		return IncidentEvent{}, false
	}
	inc := ch.Incident
	ev := IncidentEvent{IncidentID: inc.ID, Kind: kind, Scope: Scope(inc.Scope), Cause: Cause(inc.Cause),
		StartedAt: inc.StartedAt, Maintenance: inc.InMaintenance}
	if ev.Cause == "" {
		ev.Cause = CauseCentral // incidents group central outages
	}
	if inc.EndedAt != nil {
		ev.EndedAt = *inc.EndedAt
	}
	for _, o := range inc.Offices {
		ev.Offices = append(ev.Offices, OfficeRef{Code: o.OfficeCode, ProvinceCode: o.ProvinceCode})
	}
	return ev, true
}

// Hook is Observe in the shape of the detector's incident hook
// (postgres.IncidentHook): the server passes esc.Hook to
// store.Detection. A change that does not validate is logged and skipped,
// so a detector bug never blocks detection; a database error aborts the
// transaction, so state and messages still go together.
func (e *Escalator) Hook(ctx context.Context, tx pgx.Tx, ch api.IncidentChange) error {
	ev, ok := EventFromChange(ch)
	if !ok {
		return nil
	}
	err := e.Observe(ctx, tx, ev)
	if err != nil && api.ErrorCode(err) == api.EInvalid {
		e.logger.ErrorContext(ctx, "incident change not escalated", slog.Int64("incident_id", ch.Incident.ID),
			slog.String("kind", ch.Kind), slog.Any("error", err))
		return nil
	}
	return err
}
