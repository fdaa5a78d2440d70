package escalate

import (
	"context"
	"log/slog"
	"reflect"

	"github.com/pantau-id/pantau/api"
)

// promiseOffices bounds how many offices of a wide incident the promise
// model runs for (it runs inside a transaction): the first ones listed.
const promiseOffices = 10

// refreshPromise recomputes inc's promise deadline and stores it when it
// changed: the office's, or for several offices the tightest (a broken
// promise before a kept one, then the earliest deadline). A model error is
// logged and leaves the messages without it: the alert matters more.
func (e *Escalator) refreshPromise(ctx context.Context, tx api.EscalationTx, inc *incident) error {
	var best *api.PromiseSummary
	for i, o := range inc.Offices {
		if i == promiseOffices {
			break
		}
		p, err := e.promiser(ctx, tx, o)
		if err != nil {
			e.logger.WarnContext(ctx, "promise deadline failed", slog.Int64("incident_id", inc.ID),
				slog.String("office", o.Code), slog.Any("err", err))
			continue
		}
		if p != nil && tighter(p, best) {
			best = p
		}
	}
	if reflect.DeepEqual(best, inc.Promise) {
		return nil
	}
	inc.Promise = best
	return tx.SaveIncident(ctx, *inc)
}

// tighter reports whether p says more urgent news than q.
func tighter(p, q *api.PromiseSummary) bool {
	switch {
	case q == nil:
		return true
	case p.Kept != q.Kept:
		return !p.Kept
	case !p.Kept:
		return p.Late > q.Late
	case p.Deadline == nil || q.Deadline == nil:
		return q.Deadline == nil && p.Deadline != nil
	}
	return p.Deadline.Before(*q.Deadline)
}
