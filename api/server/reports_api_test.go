package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

var wita, _ = time.LoadLocation("Asia/Makassar")

func witaAt(m time.Month, d, h, min int) time.Time {
	return time.Date(2020, m, d, h, min, 0, 0, wita).UTC()
}

// seedOffice stores the Makassar case (report/README.md) for 73.71: the
// 2020 holidays, the one-week promise for KK, Akta Kelahiran and Surat
// Keterangan, intake every working day of January and February through
// the CSV upload, and returns the model's office as report.Build gets it.
func seedOffice(t *testing.T, f *webFixture) report.Office {
	t.Helper()
	ctx := context.Background()
	raw, err := os.ReadFile("../../report/testdata/holidays-2020.csv")
	if err != nil {
		t.Fatal(err)
	}
	hs, err := calendar.LoadHolidays(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.ImportHolidays(ctx, hs, nil); err != nil {
		t.Fatal(err)
	}
	week := &doctype.SLA{Kind: doctype.CalendarDays, N: 7}
	ovs := []doctype.Override{{Code: doctype.KK, SLA: week}, {Code: doctype.AktaLahir, SLA: week}, {Code: doctype.Suket, SLA: week}}
	if err := f.store.PutDocTypeOverrides(ctx, "73.71", ovs); err != nil {
		t.Fatal(err)
	}
	cal := calendar.Default(wita)
	cal.AddHolidays(hs...)
	types, err := doctype.Defaults().With(ovs...)
	if err != nil {
		t.Fatal(err)
	}
	file := intakeCSV(cal, calendar.D(2020, 1, 1), calendar.D(2020, 2, 29), 35, 30, 15)
	if status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", "text/csv", []byte(file)); status != http.StatusOK {
		t.Fatalf("intake upload: %d %s", status, body)
	}
	d := api.DefaultOfficeSettings("73.71")
	return report.Office{Code: "73.71", Name: "Kota Makassar", Calendar: cal, Types: types, Staff: d.Staff,
		OvertimeCap: d.OvertimeCap, Rates: report.Rates{Hourly: d.OvertimeHourly, Meal: d.MealAllowance}}
}

// seedIntake is seedOffice's intake as the model's input.
func seedIntake(o report.Office, to calendar.Date) []backlog.Intake {
	var in []backlog.Intake
	for d := calendar.D(2020, 1, 1); !d.After(to); d = d.AddDays(1) {
		if o.Calendar.IsWorkingDay(d) {
			in = append(in, backlog.Intake{Date: d, Type: doctype.AktaLahir, Count: 30},
				backlog.Intake{Date: d, Type: doctype.KK, Count: 35}, backlog.Intake{Date: d, Type: doctype.Suket, Count: 15})
		}
	}
	return in
}

// addOutage stores a central-cause outage of 73.71's central target; a
// zero end leaves it open.
func addOutage(t *testing.T, f *webFixture, office string, start, end time.Time) {
	t.Helper()
	var (
		by    *string
		endAt *time.Time
	)
	if !end.IsZero() {
		r := "recovery"
		by, endAt = &r, &end
	}
	_, err := f.store.Pool().Exec(context.Background(), `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
		SELECT $1, 1, id, $2, $3, 'down', $4, 'central', 'central' FROM targets WHERE office_code = $1 AND kind = 'central'`,
		office, start, endAt, by)
	if err != nil {
		t.Fatal(err)
	}
}

// getJSON reads path as user into v, failing on any status but 200.
func getJSON(t *testing.T, f *webFixture, user, path string, v any) {
	t.Helper()
	status, body := apiDo(t, f, user, "GET", path, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s as %s: %d %s", path, user, status, body)
	}
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// asJSON is v as generic JSON, for comparing what the API sent with what
// report.Build gives.
func asJSON(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOfficeReportIsReportBuildOnTheStoredInput(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	o := seedOffice(t, f)
	addOutage(t, f, "73.71", witaAt(1, 8, 7, 30), witaAt(1, 16, 9, 0))
	// A planned window of the province during the cut (applies to 73.71)
	// and one of another province (does not).
	for _, m := range []api.MaintenanceWindow{
		{Scope: api.ScopeProvince, ProvinceCode: "73", StartsAt: witaAt(1, 10, 10, 0), EndsAt: witaAt(1, 10, 12, 0), Reason: "migrasi"},
		{Scope: api.ScopeProvince, ProvinceCode: "76", StartsAt: witaAt(1, 22, 10, 0), EndsAt: witaAt(1, 22, 12, 0), Reason: "migrasi"},
	} {
		if _, err := f.store.CreateMaintenance(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	in := report.Input{Office: o, From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 31),
		Intake:      seedIntake(o, calendar.D(2020, 2, 29)),
		Outages:     []report.Outage{{Start: witaAt(1, 8, 7, 30), End: witaAt(1, 16, 9, 0)}},
		Maintenance: []backlog.Interval{{Start: witaAt(1, 10, 10, 0), End: witaAt(1, 10, 12, 0)}}, Now: f.now}
	want, err := report.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Report json.RawMessage
	}
	getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2020-01-01&to=2020-01-31", &got)
	var gotReport any
	if err := json.Unmarshal(got.Report, &gotReport); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(gotReport, asJSON(t, want)) {
		t.Fatalf("API report differs from report.Build on the same input:\n%s", got.Report)
	}
	// The seed case's figures (report/README.md), so the input is the case
	// (a planned window inside the cut changes no figure).
	if len(want.Maintenance) != 1 || want.Clearance == nil || *want.Clearance != calendar.D(2020, 2, 17) || want.Totals.Cost != 548000 || want.Totals.Late != 168 {
		t.Fatalf("seed case: clearance %v cost %d late %d", want.Clearance, want.Totals.Cost, want.Totals.Late)
	}
	t.Logf("seed case through the API: clearance %s, %d h overtime, Rp %d, %d of %d late, compliance %.3f",
		want.Clearance, want.Totals.OvertimeHours, want.Totals.Cost, want.Totals.Late, want.Totals.Received, want.Totals.Compliance)
	// The CSV download is WriteDaysCSV of the same report.
	var csv bytes.Buffer
	if err := want.WriteDaysCSV(&csv); err != nil {
		t.Fatal(err)
	}
	status, body := apiDo(t, f, "city71", "GET", "/api/v1/offices/73.71/report?from=2020-01-01&to=2020-01-31&format=csv", "", nil)
	if status != http.StatusOK || !bytes.Equal(body, csv.Bytes()) {
		t.Fatalf("csv: %d\n%s", status, body)
	}
	// Out of scope is not found, and says nothing of the office.
	status, body = apiDo(t, f, "city72", "GET", "/api/v1/offices/73.71/report?from=2020-01-01&to=2020-01-31", "", nil)
	if status != http.StatusNotFound || bytes.Contains(body, []byte("Makassar")) {
		t.Fatalf("city72 on 73.71: %d %s", status, body)
	}
}

func TestWhatIfAssumedEndMovesTheClearanceDate(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	o := seedOffice(t, f)
	addOutage(t, f, "73.71", witaAt(1, 8, 7, 30), time.Time{})
	clearance := map[string]string{}
	for _, end := range []string{"2020-01-11T07:00:00+08:00", "2020-01-16T09:00:00+08:00"} {
		var got struct {
			Report struct {
				Clearance *string
				Outages   []struct{ Assumed bool }
			}
		}
		getJSON(t, f, "staff71", "/api/v1/offices/73.71/report?from=2020-01-01&to=2020-01-31&assume_end="+url.QueryEscape(end), &got)
		at, _ := time.Parse(time.RFC3339, end)
		want, err := report.Build(report.Input{Office: o, From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 31),
			Intake: seedIntake(o, calendar.D(2020, 2, 29)), Outages: []report.Outage{{Start: witaAt(1, 8, 7, 30)}}, AssumeEnd: at, Now: f.now})
		if err != nil {
			t.Fatal(err)
		}
		if got.Report.Clearance == nil || want.Clearance == nil || *got.Report.Clearance != want.Clearance.String() {
			t.Fatalf("assume_end %s: clearance %v, report.Build says %v", end, got.Report.Clearance, want.Clearance)
		}
		if len(got.Report.Outages) != 1 || !got.Report.Outages[0].Assumed {
			t.Fatalf("assume_end %s: outages %+v, want one assumed", end, got.Report.Outages)
		}
		clearance[end] = *got.Report.Clearance
	}
	t.Logf("clearance by assumed end: %v", clearance)
	if early, late := clearance["2020-01-11T07:00:00+08:00"], clearance["2020-01-16T09:00:00+08:00"]; early >= late {
		t.Fatalf("back on the 11th clears %s, on the 16th %s: want earlier", early, late)
	}
	status, body := apiDo(t, f, "staff71", "GET", "/api/v1/offices/73.71/report?from=2020-01-01&to=2020-01-31&assume_end=2020-01-07T07:00:00%2B08:00", "", nil)
	if status != http.StatusBadRequest || !bytes.Contains(body, []byte(`"field":"assume_end"`)) {
		t.Fatalf("assume_end before the outage: %d %s", status, body)
	}
}

func TestProvinceReportSumsItsOffices(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	seedOffice(t, f)
	addOutage(t, f, "73.71", witaAt(1, 8, 7, 30), witaAt(1, 16, 9, 0))
	addOutage(t, f, "73.72", witaAt(1, 13, 10, 0), witaAt(1, 14, 12, 0))
	cal := calendar.Default(wita)
	if status, body := apiDo(t, f, "staff72", "POST", "/api/v1/offices/73.72/intake/csv", "text/csv",
		[]byte(intakeCSV(cal, calendar.D(2020, 1, 2), calendar.D(2020, 1, 31), 20, 12, 4))); status != http.StatusOK {
		t.Fatalf("73.72 intake: %d %s", status, body)
	}
	const q = "?from=2020-01-01&to=2020-01-31"
	type rep struct {
		Report report.Report
	}
	var a, b, p rep
	getJSON(t, f, "prov73", "/api/v1/offices/73.71/report"+q, &a)
	getJSON(t, f, "prov73", "/api/v1/offices/73.72/report"+q, &b)
	getJSON(t, f, "prov73", "/api/v1/provinces/73/report"+q, &p)
	if p.Report.Offices != 2 || len(p.Report.Days) != 31 || a.Report.Totals.Received == 0 || b.Report.Totals.Received == 0 {
		t.Fatalf("province: %d offices, %d days; office totals %+v %+v", p.Report.Offices, len(p.Report.Days), a.Report.Totals, b.Report.Totals)
	}
	for i, d := range p.Report.Days {
		x, y := a.Report.Days[i], b.Report.Days[i]
		if d.Received != x.Received+y.Received || d.Backlog != x.Backlog+y.Backlog || d.Cost != x.Cost+y.Cost ||
			d.OvertimeHours != x.OvertimeHours+y.OvertimeHours || d.Overdue != x.Overdue+y.Overdue {
			t.Fatalf("%s: province %+v, offices %+v + %+v", d.Date, d, x, y)
		}
	}
	ta, tb, tp := a.Report.Totals, b.Report.Totals, p.Report.Totals
	if tp.Received != ta.Received+tb.Received || tp.Late != ta.Late+tb.Late || tp.Cost != ta.Cost+tb.Cost {
		t.Fatalf("totals: province %+v, offices %+v + %+v", tp, ta, tb)
	}
	if status, _ := apiDo(t, f, "prov76", "GET", "/api/v1/provinces/73/report"+q, "", nil); status != http.StatusNotFound {
		t.Fatalf("prov76 read province 73: %d", status)
	}
}

// TestReportIntoTheFutureProjectsUsualIntake: a report running past
// today gives the model the office's usual intake for the days not
// recorded, and says so.
func TestReportIntoTheFutureProjectsUsualIntake(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t) // today is Tuesday 1 December 2026 in WITA
	file := intakeCSV(calendar.Default(wita), calendar.D(2026, 11, 2), calendar.D(2026, 11, 30), 40, 8, 4)
	if status, body := apiDo(t, f, "staff71", "POST", "/api/v1/offices/73.71/intake/csv", "text/csv", []byte(file)); status != http.StatusOK {
		t.Fatalf("intake: %d %s", status, body)
	}
	var got struct {
		Report    report.Report
		Projected *struct {
			From  string
			Files int
		}
	}
	getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2026-11-23&to=2026-12-06", &got)
	if got.Projected == nil || got.Projected.From != "2026-12-01" {
		t.Fatalf("projected %+v, want from 2026-12-01", got.Projected)
	}
	for _, d := range got.Report.Days {
		want := 0
		if f := d.Date.Weekday(); f != time.Saturday && f != time.Sunday {
			want = 52 // recorded before today, the usual after
		}
		if d.Received != want {
			t.Errorf("%s: received %d, want %d", d.Date, d.Received, want)
		}
	}
	// A period wholly in the past is recorded throughout; the days after
	// it that the model runs over (files received later, to see the
	// period's clearance) have no record from 1 December and take the
	// usual intake, never zero in silence (issue 12). No day of the period
	// itself is marked projected.
	getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2026-11-02&to=2026-11-27", &got)
	if got.Projected == nil || got.Projected.From != "2026-12-01" {
		t.Fatalf("a past period projected %+v, want from 2026-12-01", got.Projected)
	}
	for _, d := range got.Report.Days {
		if d.Projected {
			t.Errorf("%s: recorded, marked projected", d.Date)
		}
	}
}

// TestReportFromInsideAnOutageStartsBeforeIt: a period that begins while
// the link is cut starts the day before the cut, so the files it left
// pending are there; extend=false keeps the period as asked.
func TestReportFromInsideAnOutageStartsBeforeIt(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	seedOffice(t, f)
	addOutage(t, f, "73.71", witaAt(1, 8, 7, 30), witaAt(1, 16, 9, 0))
	type answer struct {
		RequestedFrom string `json:"requested_from"`
		Report        report.Report
		Availability  struct{ From time.Time }
	}
	var ext, asked answer
	getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2020-01-13&to=2020-01-31", &ext)
	getJSON(t, f, "city71", "/api/v1/offices/73.71/report?from=2020-01-13&to=2020-01-31&extend=false", &asked)
	if ext.Report.From != calendar.D(2020, 1, 7) || ext.RequestedFrom != "2020-01-13" || asked.Report.From != calendar.D(2020, 1, 13) || asked.RequestedFrom != "" {
		t.Fatalf("extended from %s (asked %q), not extended from %s (%q)", ext.Report.From, ext.RequestedFrom, asked.Report.From, asked.RequestedFrom)
	}
	// Monday the 13th: four working days of files pending, against one without.
	mon := ext.Report.Days[calendar.D(2020, 1, 7).DaysUntil(calendar.D(2020, 1, 13))]
	if mon.Date != calendar.D(2020, 1, 13) || mon.Backlog != 4*80 || asked.Report.Days[0].Backlog != 80 {
		t.Fatalf("backlog on the 13th: %d extended, %d as asked", mon.Backlog, asked.Report.Days[0].Backlog)
	}
	if !ext.Availability.From.Equal(calendar.D(2020, 1, 13).In(wita, 0)) {
		t.Fatalf("availability from %s, want the period asked", ext.Availability.From)
	}
}
