package detect

import (
	"reflect"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
)

// stored is what the store would hold for g under id, first seen at seen.
func stored(id int64, g Group, seen time.Time, late bool) api.Incident {
	return api.Incident{ID: id, StartedAt: g.Start, EndedAt: g.End, Scope: g.Scope, Cause: api.CauseCentral,
		ProvinceCode: g.ProvinceCode, PeakOffices: g.Peak, MonitoredOffices: g.MonitoredOffices,
		Offices: g.Offices, Affected: g.Affected, Flaps: g.Flaps, FirstSeenAt: seen, Late: late}
}

// change is the part of an IncidentChange the table compares.
type change struct {
	Kind       string
	ID         int64
	Late       bool
	Seen       int // minute of FirstSeenAt
	Flaps      int
	Offices    int
	MergedInto int64
}

func TestReconcile(t *testing.T) {
	mon := Monitored{Total: 10, ByProvince: map[string]int{"73": 4, "74": 4, "75": 2}}
	group := func(ms ...Member) Group {
		gs := Incidents(ms, mon, IncidentRules{})
		if len(gs) != 1 {
			t.Fatalf("%d groups from %v, want 1", len(gs), ms)
		}
		return gs[0]
	}
	now := min_(100)
	tests := []struct {
		name   string
		groups []Group
		old    []api.Incident
		want   []change
	}{
		{"an open group is opened", []Group{group(m("73.01", 0, -1))}, nil,
			[]change{{Kind: api.IncidentOpened, Seen: 100, Offices: 1}}},
		{"a group already over when first seen is late, never opened", []Group{group(m("73.01", 0, 2))}, nil,
			[]change{{Kind: api.IncidentLate, Late: true, Seen: 100, Offices: 1}}},
		{"an unchanged incident gives nothing", []Group{group(m("73.01", 0, -1))},
			[]api.Incident{stored(7, group(m("73.01", 0, -1)), min_(1), false)}, nil},
		{"an end recovers it, keeping id and first-seen time", []Group{group(m("73.01", 0, 5))},
			[]api.Incident{stored(7, group(m("73.01", 0, -1)), min_(1), false)},
			[]change{{Kind: api.IncidentRecovered, ID: 7, Seen: 1, Offices: 1}}},
		{"a flap reopens the same incident", []Group{group(m("73.01", 0, 5), m("73.01", 8, -1))},
			[]api.Incident{stored(7, group(m("73.01", 0, 5)), min_(1), false)},
			[]change{{Kind: api.IncidentReopened, ID: 7, Seen: 1, Flaps: 1, Offices: 2}}},
		{"later data extending a late incident updates it and it stays late", []Group{group(m("73.01", 0, 9))},
			[]api.Incident{stored(7, group(m("73.01", 0, 5)), min_(6), true)},
			[]change{{Kind: api.IncidentUpdated, ID: 7, Late: true, Seen: 6, Offices: 1}}},
		{"later data reopening a late incident reopens it, one incident", []Group{group(m("73.01", 0, 5), m("73.01", 7, -1))},
			[]api.Incident{stored(7, group(m("73.01", 0, 5)), min_(6), true)},
			[]change{{Kind: api.IncidentReopened, ID: 7, Late: true, Seen: 6, Flaps: 1, Offices: 2}}},
		{"a second office widens the scope", []Group{group(m("73.01", 0, -1), m("73.02", 1, -1))},
			[]api.Incident{stored(7, group(m("73.01", 0, -1)), min_(1), false)},
			[]change{{Kind: api.IncidentScopeChanged, ID: 7, Seen: 1, Offices: 2}}},
		{"an incident split by province keeps its id for one part, the other is new",
			[]Group{group(m("73.01", 0, -1)), group(m("74.01", 1, -1))},
			[]api.Incident{{ID: 7, StartedAt: min_(0), Scope: api.ScopeOffice, FirstSeenAt: min_(1), Offices: []api.IncidentOffice{
				{OfficeCode: "73.01", ProvinceCode: "73", StartedAt: min_(0)}, {OfficeCode: "74.01", ProvinceCode: "74", StartedAt: min_(1)}}}},
			[]change{{Kind: api.IncidentUpdated, ID: 7, Seen: 1, Offices: 1}, {Kind: api.IncidentOpened, Seen: 100, Offices: 1}}},
		{"two incidents merged into a national one: the smaller id stays, the other is retracted into it",
			[]Group{group(m("73.01", 0, -1), m("73.02", 0, -1), m("74.01", 0, -1), m("74.02", 0, -1), m("75.01", 0, -1))},
			[]api.Incident{stored(9, group(m("74.01", 0, -1)), min_(2), false), stored(8, group(m("73.01", 0, -1)), min_(1), false)},
			[]change{{Kind: api.IncidentScopeChanged, ID: 8, Seen: 1, Offices: 5}, {Kind: api.IncidentRetracted, ID: 9, Seen: 2, Offices: 1, MergedInto: 8}}},
		{"an incident late data shows never was is retracted", nil,
			[]api.Incident{stored(7, group(m("73.01", 0, -1)), min_(1), false)},
			[]change{{Kind: api.IncidentRetracted, ID: 7, Seen: 1, Offices: 1}}},
		{"overlap in time without a shared office is a new incident", []Group{group(m("73.02", 0, -1))},
			[]api.Incident{stored(7, group(m("73.01", 0, -1)), min_(1), false)},
			[]change{{Kind: api.IncidentOpened, Seen: 100, Offices: 1}, {Kind: api.IncidentRetracted, ID: 7, Seen: 1, Offices: 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []change
			for _, ch := range Reconcile(tc.groups, tc.old, now) {
				i := ch.Incident
				if (ch.Kind == api.IncidentLate) != (i.EndedAt != nil && i.ID == 0) {
					t.Errorf("%s of incident %d ended %v", ch.Kind, i.ID, i.EndedAt)
				}
				got = append(got, change{ch.Kind, i.ID, i.Late, int(i.FirstSeenAt.Sub(t0) / time.Minute), i.Flaps, len(i.Offices), ch.MergedInto})
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("changes\n got  %+v\n want %+v", got, tc.want)
			}
		})
	}
}

func TestGather(t *testing.T) {
	offices := []api.IncidentOffice{
		{OfficeCode: "73.02", StartedAt: min_(1)}, {OfficeCode: "73.01", StartedAt: min_(0)},
		{OfficeCode: "73.03", StartedAt: min_(1)}, {OfficeCode: "73.01", StartedAt: min_(3)}, // 73.01 flapped
	}
	seen := min_(0).Add(20 * time.Second)
	tests := []struct {
		name   string
		window time.Duration
		now    time.Time
		want   GatherDecision
	}{
		{"inside the window it waits", 30 * time.Second, seen.Add(29 * time.Second),
			GatherDecision{Ready: false, At: seen.Add(30 * time.Second), Offices: []string{"73.01", "73.02", "73.03"}}},
		{"at the window's end it goes", 30 * time.Second, seen.Add(30 * time.Second),
			GatherDecision{Ready: true, At: seen.Add(30 * time.Second), Offices: []string{"73.01", "73.02", "73.03"}}},
		{"no window, no wait", 0, seen, GatherDecision{Ready: true, At: seen, Offices: []string{"73.01", "73.02", "73.03"}}},
		{"a negative window is no window", -time.Second, seen, GatherDecision{Ready: true, At: seen, Offices: []string{"73.01", "73.02", "73.03"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Gather(seen, tc.window, tc.now, offices); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Gather = %+v, want %+v", got, tc.want)
			}
		})
	}
}
