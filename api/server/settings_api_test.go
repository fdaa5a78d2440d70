package server_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestSettingsChangeTheReport records staff, cap, rates and an override
// through the API and checks that the report is report.Build with them.
func TestSettingsChangeTheReport(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	o := seedOffice(t, f)
	addOutage(t, f, "73.71", witaAt(1, 8, 7, 30), witaAt(1, 16, 9, 0))
	body := `{"staff": 5, "overtime_cap": 3, "overtime_hourly": 25000, "meal_allowance": 40000,
		"work_hours": [{"start":0,"end":0},{"start":450,"end":900},{"start":450,"end":900},{"start":450,"end":900},{"start":450,"end":900},{"start":450,"end":900},{"start":0,"end":0}],
		"ramadan": []}`
	status, resp := apiDo(t, f, "staff71", "PUT", "/api/v1/offices/73.71/settings", "application/json", []byte(body))
	if status != http.StatusOK || !strings.Contains(string(resp), `"recorded":true`) {
		t.Fatalf("put settings: %d %s", status, resp)
	}
	bad := `{"staff": 5, "overtime_cap": 30, "work_hours": [{"start":0,"end":0},{"start":450,"end":900},{"start":0,"end":0},{"start":0,"end":0},{"start":0,"end":0},{"start":0,"end":0},{"start":0,"end":0}]}`
	if status, resp := apiDo(t, f, "admin", "PUT", "/api/v1/offices/73.71/settings", "application/json", []byte(bad)); status != http.StatusBadRequest ||
		!strings.Contains(string(resp), `"field":"overtime_cap"`) {
		t.Fatalf("cap 30: %d %s", status, resp)
	}
	if status, _ := apiDo(t, f, "staff72", "PUT", "/api/v1/offices/73.71/settings", "application/json", []byte(body)); status != http.StatusNotFound {
		t.Fatalf("staff72 changed 73.71's settings: %d", status)
	}
	o.Staff, o.OvertimeCap, o.Rates = 5, 3, report.Rates{Hourly: 25000, Meal: 40000}
	want, err := report.Build(report.Input{Office: o, From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 31),
		Intake:  seedIntake(o, calendar.D(2020, 2, 29)),
		Outages: []report.Outage{{Start: witaAt(1, 8, 7, 30), End: witaAt(1, 16, 9, 0)}}, Now: f.now})
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Report   json.RawMessage
		Settings struct{ Staff int }
	}
	getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2020-01-01&to=2020-01-31", &got)
	var gotReport any
	if err := json.Unmarshal(got.Report, &gotReport); err != nil {
		t.Fatal(err)
	}
	if got.Settings.Staff != 5 || !reflect.DeepEqual(gotReport, asJSON(t, want)) {
		t.Fatalf("report with 5 staff differs from report.Build:\n%s", got.Report)
	}
	t.Logf("5 staff, cap 3: clearance %s, %d h, Rp %d, %d late", want.Clearance, want.Totals.OvertimeHours, want.Totals.Cost, want.Totals.Late)
	var hs struct {
		Holidays []struct{ Date, Kind string }
	}
	getJSON(t, f, "city72", "/api/v1/holidays?year=2020", &hs)
	if len(hs.Holidays) != 5 || hs.Holidays[0].Date != "2020-01-01" {
		t.Fatalf("holidays %+v", hs.Holidays)
	}
}
