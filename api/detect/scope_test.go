package detect_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
	"github.com/pantau-id/pantau/api/postgres"
)

// sixOffices: four in province 73, two in 74.
var sixOffices = map[string]string{"73.01": "73", "73.02": "73", "73.03": "73", "73.04": "73", "74.01": "74", "74.02": "74"}

// cutWorld delivers 90 checks per office: 73.01 cut alone at 10..19; 73.01
// and 73.02 at 40..49 (73.02 from 42); everyone at 70..79. The internet
// reference answers throughout, so every outage is central.
func cutWorld(t *testing.T) *world {
	w := newWorld(t, sixOffices)
	for code := range sixOffices {
		pattern := []byte(strings.Repeat("+", 90))
		cut := func(from, to int) {
			for i := from; i < to; i++ {
				pattern[i] = '-'
			}
		}
		switch code {
		case "73.01":
			cut(10, 20)
			cut(40, 50)
		case "73.02":
			cut(42, 50)
		}
		cut(70, 80)
		w.deliver(code, append(series(code, "central", 0, string(pattern)), series(code, "internet", 0, strings.Repeat("+", 90))...))
	}
	w.clock.Set(at(90))
	w.drain()
	return w
}

type incidentView struct {
	Start, End int
	Scope      string
	Province   string
	Peak       int
	Offices    int
}

func view(is []api.Incident) []incidentView {
	var out []incidentView
	for i := len(is) - 1; i >= 0; i-- {
		in := is[i]
		end := -1
		if in.EndedAt != nil {
			end = int(in.EndedAt.Sub(base) / interval)
		}
		out = append(out, incidentView{int(in.StartedAt.Sub(base) / interval), end, in.Scope, in.ProvinceCode, in.PeakOffices, len(in.Offices)})
	}
	return out
}

func TestIncidentScope(t *testing.T) {
	t.Parallel()
	w := cutWorld(t)
	got := view(w.incidents(api.IncidentFilter{}))
	want := []incidentView{
		{10, 20, api.ScopeOffice, "73", 1, 1},   // one office: the Makassar case
		{40, 50, api.ScopeProvince, "73", 2, 2}, // 2 of 4 monitored in 73: exactly 50 %
		{70, 80, api.ScopeNational, "", 6, 6},   // everyone at once: one incident, not six
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("incidents\n got  %+v\n want %+v", got, want)
	}
	// Filters: by office, by province, open only.
	if n := len(w.incidents(api.IncidentFilter{OfficeCode: "74.01"})); n != 1 {
		t.Errorf("incidents of 74.01 = %d, want 1", n)
	}
	if n := len(w.incidents(api.IncidentFilter{ProvinceCode: "73"})); n != 3 {
		t.Errorf("incidents of province 73 = %d, want 3", n)
	}
	if n := len(w.incidents(api.IncidentFilter{OpenOnly: true})); n != 0 {
		t.Errorf("open incidents = %d, want 0", n)
	}
	nat := w.incidents(api.IncidentFilter{Scope: api.ScopeNational})
	if len(nat) != 1 || len(nat[0].Affected) != 2 || nat[0].Affected[0].Offices != 6 || nat[0].Affected[1].Offices != 0 {
		t.Errorf("national affected steps = %+v, want 6 then 0", nat)
	}
	// Each outage knows its incident.
	for _, o := range w.outages(api.OutageFilter{TargetKind: "central"}) {
		if o.IncidentID == nil || o.Cause != api.CauseCentral {
			t.Errorf("outage %s: incident %v cause %s, want an incident and central", span(o), o.IncidentID, o.Cause)
		}
	}
}

func TestIncidentGrowsKeepingItsID(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sixOffices)
	// A national cut arrives office by office; the incident keeps one id
	// while its scope widens.
	var ids []int64
	var scopes []string
	for _, code := range []string{"73.01", "73.02", "74.01", "74.02", "73.03", "73.04"} {
		w.deliver(code, append(series(code, "central", 0, "++------"), series(code, "internet", 0, "++++++++")...))
		w.clock.Set(at(8))
		w.drain()
		is := w.incidents(api.IncidentFilter{OpenOnly: true})
		if len(is) != 1 {
			t.Fatalf("after %s: %d open incidents, want 1", code, len(is))
		}
		ids, scopes = append(ids, is[0].ID), append(scopes, is[0].Scope)
	}
	if ids[0] != ids[len(ids)-1] {
		t.Errorf("incident ids %v, want one id throughout", ids)
	}
	wantScopes := []string{"office", "province", "national", "national", "national", "national"}
	if !reflect.DeepEqual(scopes, wantScopes) {
		t.Errorf("scopes %v, want %v", scopes, wantScopes)
	}
}

func TestMaintenanceIsShownAndExcluded(t *testing.T) {
	t.Parallel()
	w := cutWorld(t)
	ctx := context.Background()
	// Province 73 announced a migration over the second cut.
	m, err := w.s.CreateMaintenance(ctx, api.MaintenanceWindow{Scope: api.ScopeProvince, ProvinceCode: "73",
		StartsAt: at(35), EndsAt: at(55), Reason: "migrasi server"})
	if err != nil {
		t.Fatalf("create maintenance: %v", err)
	}
	in := map[int]bool{}
	for _, o := range w.outages(api.OutageFilter{OfficeCode: "73.01"}) {
		in[int(o.StartedAt.Sub(base)/interval)] = o.InMaintenance
	}
	if want := map[int]bool{10: false, 40: true, 70: false}; !reflect.DeepEqual(in, want) {
		t.Errorf("73.01 outages in maintenance = %v, want %v", in, want)
	}
	tl, err := w.s.OfficeTimeline(ctx, "73.01", at(0), at(90), w.clock.Now())
	if err != nil {
		t.Fatalf("timeline: %v", err)
	}
	var got []string
	for _, iv := range tl {
		got = append(got, string(iv.State)+"/"+string(iv.Underlying)+" "+iv.From.Sub(base).String())
	}
	want := []string{"up/ 0s", "down/ 5m0s", "up/ 10m0s", "maintenance/up 17m30s", "maintenance/down 20m0s",
		"maintenance/up 25m0s", "up/ 27m30s", "down/ 35m0s", "up/ 40m0s"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("timeline\n got  %q\n want %q", got, want)
	}
	// SLA: 45 minutes measured outside maintenance, 10 of them down.
	share, ok := detect.Availability(tl)
	if tot := detect.Totals(tl); !ok || tot[api.StateMaintenance] != 10*time.Minute || share != 25.0/35.0 {
		t.Errorf("availability %v (ok %v), totals %v; want 25/35 with 10m maintenance", share, ok, tot)
	}
	w.clock.Set(at(45))
	states, err := w.s.OfficeStates(ctx, api.OfficeFilter{ProvinceCode: "73"}, w.clock.Now())
	if err != nil {
		t.Fatalf("states: %v", err)
	}
	if s := states[0]; s.State != api.StateMaintenance || s.Underlying != api.StateDown || s.MaintenanceID == nil || *s.MaintenanceID != m.ID {
		t.Errorf("73.01 state during maintenance = %+v", s)
	}
	if err := w.s.DeleteMaintenance(ctx, m.ID); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if err := w.s.DeleteMaintenance(ctx, m.ID); api.ErrorCode(err) != api.ENotFound {
		t.Errorf("second delete: %v, want not found", err)
	}
}

func TestMaintenanceValidationNamesTheField(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	ok := api.MaintenanceWindow{Scope: api.ScopeOffice, OfficeCode: "73.71", StartsAt: at(0), EndsAt: at(10), Reason: "x"}
	tests := []struct {
		name  string
		edit  func(*api.MaintenanceWindow)
		field string
	}{
		{"unknown scope", func(m *api.MaintenanceWindow) { m.Scope = "city" }, "scope"},
		{"office scope without office", func(m *api.MaintenanceWindow) { m.OfficeCode = "" }, "office_code"},
		{"no such office", func(m *api.MaintenanceWindow) { m.OfficeCode = "99.99" }, "office_code"},
		{"province scope without province", func(m *api.MaintenanceWindow) { m.Scope, m.OfficeCode = api.ScopeProvince, "" }, "province_code"},
		{"end before start", func(m *api.MaintenanceWindow) { m.EndsAt = at(-1) }, "ends_at"},
		{"missing start", func(m *api.MaintenanceWindow) { m.StartsAt = time.Time{} }, "starts_at"},
		{"empty reason", func(m *api.MaintenanceWindow) { m.Reason = " " }, "reason"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := ok
			tc.edit(&m)
			_, err := w.s.CreateMaintenance(context.Background(), m)
			if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
				t.Fatalf("err = %v (field %q), want invalid %s", err, api.ErrorField(err), tc.field)
			}
		})
	}
	if _, err := w.s.CreateMaintenance(context.Background(), ok); err != nil {
		t.Fatalf("valid window: %v", err)
	}
	ms, err := w.s.MaintenanceWindows(context.Background(), api.MaintenanceFilter{OfficeCode: "73.71"})
	if err != nil || len(ms) != 1 {
		t.Fatalf("list = %v, %v; want the one window", ms, err)
	}
}

// A live probe re-emitting the same open outage changes nothing, so it
// costs no incident regrouping (and tells escalation nothing).
func TestUnchangedOutageMarksNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.71": "73"})
	w.deliver("73.71", append(series("73.71", "central", 0, "++----"), series("73.71", "internet", 0, "++++++")...))
	w.clock.Set(at(6))
	w.drain()
	w.deliver("73.71", append(series("73.71", "central", 6, "--"), series("73.71", "internet", 6, "++")...))
	w.clock.Set(at(8))
	ctx := context.Background()
	out, err := w.s.Detection(nil).EvaluateProbes(ctx, []detect.ProbeRef{{OfficeCode: "73.71", ProbeID: w.probes["73.71"].ID}}, w.clock.Now())
	if err != nil || out.Series != 2 {
		t.Fatalf("evaluate = %+v, %v; want 2 series", out, err)
	}
	var dirty int
	if err := w.s.Pool().QueryRow(ctx, `SELECT count(*) FROM incident_dirty`).Scan(&dirty); err != nil || dirty != 0 {
		t.Fatalf("incident_dirty rows = %d (%v), want 0", dirty, err)
	}
	if got := spans(w.outages(api.OutageFilter{})); !reflect.DeepEqual(got, []string{"73.71/central down 2..open central"}) {
		t.Fatalf("outages %q", got)
	}
}

// The incident hook hears every change in the transaction that makes it:
// opened, scope widened, recovered, and retracted when late results show
// the failures were never consecutive.
func TestIncidentChangesReachTheHook(t *testing.T) {
	t.Parallel()
	w := newWorld(t, map[string]string{"73.01": "73", "73.02": "73", "74.01": "74", "74.02": "74"})
	var (
		mu    sync.Mutex
		heard []string
	)
	hook := func(ctx context.Context, etx api.EscalationTx, ch api.IncidentChange) error {
		tx := etx.(*postgres.EscalationTx).Pgx()
		var n int
		// The change is visible inside the hook's transaction.
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM incidents WHERE id = $1`, ch.Incident.ID).Scan(&n); err != nil {
			return err
		}
		mu.Lock()
		heard = append(heard, fmt.Sprintf("%s %s %d", ch.Kind, ch.Incident.Scope, n))
		mu.Unlock()
		return nil
	}
	det, err := detect.New(w.s.Detection(hook), detect.Config{Clock: w.clock, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	w.det = det
	step := func(now int, deliveries ...[]obs) {
		for _, d := range deliveries {
			w.deliver(d[0].office, d)
		}
		w.clock.Set(at(now))
		w.drain()
	}
	up := func(office string, from int, pattern string) []obs {
		return append(series(office, "central", from, pattern), series(office, "internet", from, strings.Repeat("+", len(pattern)))...)
	}
	step(6, up("73.01", 0, "++----"))
	step(6, up("73.02", 0, "++----"))
	step(10, up("73.01", 6, "++++"), up("73.02", 6, "++++"))
	// 74.01 seems cut, until a late result from between its failures arrives.
	step(14, up("74.01", 0, "++++++++++---+"))
	step(14, []obs{{office: "74.01", target: "central", at: at(11).Add(10 * time.Second), ok: true}})
	want := []string{"opened office 1", "scope_changed national 1", "recovered national 1", "opened office 1", "retracted office 0"} // 2 of 4 monitored offices is half of everyone
	if !reflect.DeepEqual(heard, want) {
		t.Fatalf("hook heard %q, want %q", heard, want)
	}
}
