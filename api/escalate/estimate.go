package escalate

import (
	"context"
	"time"

	"github.com/pantau-id/pantau/api"
)

// EstimateWith makes an Estimator of a backlog model that knows nothing of
// escalation: it gets the incident's offices and its start and end
// (api/reportdata.Estimator is one; the wiring joins them).
func EstimateWith(f func(ctx context.Context, tx api.EscalationTx, offices []api.EscalationOffice, start, end time.Time) (*api.BacklogEstimate, error)) Estimator {
	return func(ctx context.Context, tx api.EscalationTx, ev IncidentEvent) (*Estimate, error) {
		return f(ctx, tx, ev.Offices, ev.StartedAt, ev.EndedAt)
	}
}
