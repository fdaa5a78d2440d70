package webui

import (
	"context"

	"github.com/pantau-id/pantau/api/auth"
)

// wib is the zone of pages about no one place for a viewer of no one
// place (national roles, admins, visitors): Jakarta's.
const wib = "Asia/Jakarta"

// viewerZone is the zone of the viewer's own region: their office's, else
// their province's, else WIB. The board, the national page, incidents, the
// admin page and the monthly list are written in it, header and footer
// included, so a Makassar official reads WITA on every page they open.
// A region that cannot be read gives WIB: a page must still render.
func (p *Pages) viewerZone(ctx context.Context, sc auth.Scope) string {
	if code := sc.Office(); code != "" {
		if o, err := p.store.Office(ctx, code); err == nil && o.TZ != "" {
			return o.TZ
		}
		return wib
	}
	if code := sc.Province(); code != "" {
		if provinces, err := p.store.Provinces(ctx); err == nil {
			for _, pr := range provinces {
				if pr.Code == code && pr.TZ != "" {
					return pr.TZ
				}
			}
		}
	}
	return wib
}
