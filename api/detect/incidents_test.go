package detect

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// m is a member of office (province = the code's first two digits) down
// over minutes [from, to); to < 0 is open.
func m(office string, from, to int) Member {
	mb := Member{OfficeCode: office, ProvinceCode: office[:2], Start: min_(from)}
	if to >= 0 {
		e := min_(to)
		mb.End = &e
	}
	return mb
}

// groupView renders a group as "scope province start..end offices flaps=n".
func groupView(g Group) string {
	end := "open"
	if g.End != nil {
		end = fmt.Sprint(int(g.End.Sub(t0) / time.Minute))
	}
	var os []string
	for _, o := range g.Offices {
		os = append(os, o.OfficeCode)
	}
	return fmt.Sprintf("%s %s %d..%s %s flaps=%d", g.Scope, g.ProvinceCode, int(g.Start.Sub(t0)/time.Minute), end,
		strings.Join(os, ","), g.Flaps)
}

func TestIncidentsFollowTheRegions(t *testing.T) {
	// 73 and 74 monitor 4 offices each, 75 two: 10 in all.
	mon := Monitored{Total: 10, ByProvince: map[string]int{"73": 4, "74": 4, "75": 2}}
	tests := []struct {
		name    string
		members []Member
		rules   IncidentRules
		want    []string
	}{
		{"one office is office scope", []Member{m("73.01", 0, 10)}, IncidentRules{},
			[]string{"office 73 0..10 73.01 flaps=0"}},
		{"the only monitored office of a province is still office scope", []Member{m("75.01", 0, 10)},
			IncidentRules{}, []string{"office 75 0..10 75.01 flaps=0"}},
		{"touching outages of two offices are two incidents", []Member{m("73.01", 0, 10), m("73.02", 10, 20)}, IncidentRules{},
			[]string{"office 73 0..10 73.01 flaps=0", "office 73 10..20 73.02 flaps=0"}},
		{"overlapping outages of one province chain into one", []Member{m("73.01", 0, 10), m("73.02", 9, 20)}, IncidentRules{},
			[]string{"province 73 0..20 73.01,73.02 flaps=0"}},
		{"below the province share it is office scope, still one incident", []Member{m("73.01", 0, 10), m("73.02", 5, 20)},
			IncidentRules{ProvinceShare: 0.75}, []string{"office 73 0..20 73.01,73.02 flaps=0"}},
		{"two central targets of one office count once", []Member{m("73.01", 0, 10), m("73.01", 2, 12)}, IncidentRules{},
			[]string{"office 73 0..12 73.01 flaps=0"}},
		{"Makassar and Kendari overlapping are two incidents", []Member{m("73.71", 0, 30), m("74.71", 10, 40)}, IncidentRules{},
			[]string{"office 73 0..30 73.71 flaps=0", "office 74 10..40 74.71 flaps=0"}},
		{"a chain across provinces is not one incident", []Member{
			m("73.01", 0, 10), m("74.01", 5, 15), m("74.02", 12, 20), m("74.03", 18, 30), m("75.01", 25, 35),
		}, IncidentRules{}, []string{"office 73 0..10 73.01 flaps=0", "province 74 5..30 74.01,74.02,74.03 flaps=0", "office 75 25..35 75.01 flaps=0"}},
		{"half of everyone at once is national", []Member{
			m("73.01", 0, 10), m("73.02", 0, 10), m("74.01", 0, 10), m("74.02", 0, 10), m("75.01", 0, 10),
		}, IncidentRules{NationalProvinces: 9}, []string{"national  0..10 73.01,73.02,74.01,74.02,75.01 flaps=0"}},
		{"two provinces at province scope at once are national", []Member{
			m("73.01", 0, 10), m("73.02", 1, 10), m("74.01", 2, 10), m("74.02", 3, 10),
		}, IncidentRules{}, []string{"national  0..10 73.01,73.02,74.01,74.02 flaps=0"}},
		{"two provinces at province scope are two when three are needed", []Member{
			m("73.01", 0, 10), m("73.02", 1, 10), m("74.01", 2, 10), m("74.02", 3, 10),
		}, IncidentRules{NationalProvinces: 3}, []string{"province 73 0..10 73.01,73.02 flaps=0", "province 74 2..10 74.01,74.02 flaps=0"}},
		{"province scope one after the other is not national", []Member{
			m("73.01", 0, 10), m("73.02", 1, 10), m("74.01", 10, 20), m("74.02", 10, 20),
		}, IncidentRules{}, []string{"province 73 0..10 73.01,73.02 flaps=0", "province 74 10..20 74.01,74.02 flaps=0"}},
		{"an office down during the national period joins it, one before does not", []Member{
			m("75.02", 0, 4), m("73.01", 5, 10), m("73.02", 5, 10), m("74.01", 5, 10), m("74.02", 5, 10), m("75.01", 6, 8),
		}, IncidentRules{}, []string{"office 75 0..4 75.02 flaps=0", "national  5..10 73.01,73.02,74.01,74.02,75.01 flaps=0"}},
		{"a national cut still open", []Member{
			m("73.01", 0, -1), m("73.02", 0, -1), m("74.01", 1, -1), m("74.02", 2, -1), m("75.01", 3, -1),
		}, IncidentRules{}, []string{"national  0..open 73.01,73.02,74.01,74.02,75.01 flaps=0"}},
		{"one office flapping is one unstable incident", []Member{m("73.01", 0, 2), m("73.01", 4, 6), m("73.01", 9, 11)}, IncidentRules{},
			[]string{"office 73 0..11 73.01,73.01,73.01 flaps=2"}},
		{"flapping still open", []Member{m("73.01", 0, 2), m("73.01", 4, -1)}, IncidentRules{},
			[]string{"office 73 0..open 73.01,73.01 flaps=1"}},
		{"back down exactly the re-open window later is a new incident", []Member{m("73.01", 0, 2), m("73.01", 12, 14)}, IncidentRules{},
			[]string{"office 73 0..2 73.01 flaps=0", "office 73 12..14 73.01 flaps=0"}},
		{"the re-open window is configurable", []Member{m("73.01", 0, 2), m("73.01", 12, 14)}, IncidentRules{Reopen: 11 * time.Minute},
			[]string{"office 73 0..14 73.01,73.01 flaps=1"}},
		{"another office's flap does not join the first office's incident", []Member{m("73.01", 0, 2), m("73.02", 5, 7)}, IncidentRules{},
			[]string{"office 73 0..2 73.01 flaps=0", "office 73 5..7 73.02 flaps=0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := []string{}
			for _, g := range Incidents(tc.members, mon, tc.rules) {
				got = append(got, groupView(g))
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("groups\n got  %q\n want %q", got, tc.want)
			}
		})
	}
}

func TestIncidentsAffectedCountsFlapsExactly(t *testing.T) {
	mon := Monitored{Total: 4, ByProvince: map[string]int{"73": 4}}
	gs := Incidents([]Member{m("73.01", 0, 2), m("73.01", 4, 6)}, mon, IncidentRules{})
	if len(gs) != 1 {
		t.Fatalf("%d groups, want 1", len(gs))
	}
	var steps []string
	for _, s := range gs[0].Affected {
		steps = append(steps, fmt.Sprintf("%d:%d", int(s.At.Sub(t0)/time.Minute), s.Offices))
	}
	// The office is not down in the gap between its outages.
	if want := []string{"0:1", "2:0", "4:1", "6:0"}; !reflect.DeepEqual(steps, want) {
		t.Errorf("affected %v, want %v", steps, want)
	}
}

func TestIncidentRulesValidate(t *testing.T) {
	for _, tc := range []struct {
		rules IncidentRules
		field string
	}{
		{IncidentRules{ProvinceShare: 1.5}, "province_share"},
		{IncidentRules{NationalShare: -0.1}, "national_share"},
		{IncidentRules{NationalProvinces: -1}, "national_provinces"},
		{IncidentRules{Reopen: -time.Second}, "reopen"},
	} {
		if err := tc.rules.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.field+":") {
			t.Errorf("%+v: error %v, want one naming %s", tc.rules, err, tc.field)
		}
	}
	if err := DefaultIncidentRules.Validate(); err != nil {
		t.Errorf("defaults: %v", err)
	}
}
