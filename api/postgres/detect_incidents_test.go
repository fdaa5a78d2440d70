package postgres

import (
	"slices"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

// An incident's office rows are rewritten only where they differ: a row
// kept as it is stays, one whose end moved is deleted and inserted again,
// one gone is deleted, one new is inserted.
func TestOfficeChanges(t *testing.T) {
	t0 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	at := func(m int) *time.Time { v := t0.Add(time.Duration(m) * time.Minute); return &v }
	row := func(code string, start int, end *time.Time) api.IncidentOffice {
		return api.IncidentOffice{OfficeCode: code, StartedAt: *at(start), EndedAt: end}
	}
	stored := []api.IncidentOffice{row("73.71", 0, nil), row("73.72", 0, at(5)), row("73.73", 1, nil), row("73.74", 2, at(3))}
	want := []api.IncidentOffice{row("73.71", 0, nil), row("73.72", 0, at(5)), row("73.73", 1, at(9)), row("73.75", 4, nil)}
	gone, added := officeChanges(stored, want)
	names := func(os []api.IncidentOffice) []string {
		var out []string
		for _, o := range os {
			out = append(out, o.OfficeCode)
		}
		slices.Sort(out)
		return out
	}
	if got := names(gone); !slices.Equal(got, []string{"73.73", "73.74"}) {
		t.Errorf("gone %v, want 73.73 (its end moved) and 73.74 (left)", got)
	}
	if got := names(added); !slices.Equal(got, []string{"73.73", "73.75"}) {
		t.Errorf("added %v, want 73.73 (its end moved) and 73.75 (joined)", got)
	}
	if g, a := officeChanges(want, want); len(g)+len(a) != 0 {
		t.Errorf("unchanged offices: gone %v added %v, want none", g, a)
	}
	if g, a := officeChanges(nil, want); len(g) != 0 || len(a) != len(want) {
		t.Errorf("a new incident: gone %v added %v, want every row added", g, a)
	}
}
