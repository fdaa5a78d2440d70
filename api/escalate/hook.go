package escalate

import (
	"context"
	"log/slog"

	"github.com/pantau-id/pantau/api"
)

// EventFromChange turns the detector's api.IncidentChange into an
// IncidentEvent.
func EventFromChange(ch api.IncidentChange) IncidentEvent {
	inc := ch.Incident
	ev := IncidentEvent{IncidentID: inc.ID, Kind: ch.Kind, Scope: inc.Scope, Cause: inc.Cause,
		StartedAt: inc.StartedAt, Flapping: inc.Flaps > 0, MergedInto: ch.MergedInto}
	if ev.Cause == "" {
		ev.Cause = api.CauseCentral // incidents group central outages
	}
	if inc.EndedAt != nil {
		ev.EndedAt = *inc.EndedAt
	}
	for _, o := range inc.Offices {
		ev.Offices = append(ev.Offices, OfficeRef{Code: o.OfficeCode, ProvinceCode: o.ProvinceCode})
	}
	return ev
}

// Hook is Observe in the shape of the detector's incident hook
// (postgres.IncidentHook): the server passes esc.Hook to
// store.Detection. A change that does not validate is logged and skipped,
// so a detector bug never blocks detection; a database error aborts the
// transaction, so state and messages still go together.
func (e *Escalator) Hook(ctx context.Context, tx api.EscalationTx, ch api.IncidentChange) error {
	err := e.Observe(ctx, tx, EventFromChange(ch))
	if err != nil && api.ErrorCode(err) == api.EInvalid {
		e.logger.ErrorContext(ctx, "incident change not escalated", slog.Int64("incident_id", ch.Incident.ID),
			slog.String("kind", ch.Kind), slog.Any("err", err))
		return nil
	}
	return err
}
