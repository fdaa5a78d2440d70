package reportdata_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/escalate"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report/calendar"
)

// errRollback ends a test's transaction.
var errRollback = errors.New("rollback")

// TestEstimatorReadsTheDetectorsTransaction records four weeks of usual
// intake for one office and none for another, writes a three-day central
// cut inside a transaction (as the detector does before it tells
// escalation), and asks the estimator in that transaction: it sees the
// uncommitted cut, projects the usual intake over the days not recorded,
// and leaves out the office without any intake.
func TestEstimatorReadsTheDetectorsTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Store(t)
	err := s.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}, []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wita, _ := time.LoadLocation("Asia/Makassar")
	cal := calendar.Default(wita)
	var rows []api.IntakeRow
	for d := calendar.D(2019, 12, 9); d.Before(calendar.D(2020, 1, 7)); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 60})
		}
	}
	if err := s.UpsertIntake(ctx, "73.71", rows, 0, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2020, 1, 8, 7, 30, 0, 0, wita)
	end := time.Date(2020, 1, 10, 15, 0, 0, 0, wita)
	ev := escalate.IncidentEvent{IncidentID: 1, Kind: api.IncidentRecovered, Scope: api.ScopeOffice, Cause: api.CauseCentral,
		StartedAt: start, EndedAt: end,
		Offices: []escalate.OfficeRef{{Code: "73.71", ProvinceCode: "73"}, {Code: "73.72", ProvinceCode: "73"}}}
	estimate := func(tx pgx.Tx) *escalate.Estimate {
		t.Helper()
		e, err := escalate.EstimateWith(reportdata.Estimator(s))(ctx, postgres.EscalationTxOf(tx), ev)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	var inTx, before *escalate.Estimate
	err = pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
		before = estimate(tx)
		_, err := tx.Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
			VALUES ('73.71', 1, 1, $1, $2, 'down', 'recovery', 'central', 'central')`, start, end)
		if err != nil {
			return err
		}
		inTx = estimate(tx)
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	if before == nil || before.Documents != 0 || before.OvertimeHours != 0 {
		t.Fatalf("without the cut: %+v, want no backlog", before)
	}
	// Three working days of 60 KK stuck, less what Friday evening clears.
	if inTx == nil || inTx.Documents < 100 || inTx.OvertimeHours == 0 || inTx.Cost == 0 || inTx.ClearanceDate.IsZero() {
		t.Fatalf("with the cut: %+v", inTx)
	}
	if y, m, d := inTx.ClearanceDate.Date(); calendar.D(y, m, d).Before(calendar.D(2020, 1, 10)) || inTx.ClearanceDate.Location().String() != wita.String() {
		t.Fatalf("clearance %v before the recovery or not in the office's zone", inTx.ClearanceDate)
	}
	t.Logf("estimate: %+v", *inTx)
}

// TestEstimatorWiredIntoEscalation: with escalate.Options{Estimator:
// escalate.EstimateWith(reportdata.Estimator(store))}, a recovery observed
// in the detector's transaction gets the model's estimate stored with the
// incident once AfterIncidents ran after its commit.
func TestEstimatorWiredIntoEscalation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Store(t)
	err := s.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}, []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wita, _ := time.LoadLocation("Asia/Makassar")
	cal := calendar.Default(wita)
	var rows []api.IntakeRow
	for d := calendar.D(2019, 12, 9); d.Before(calendar.D(2020, 1, 17)); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 60})
		}
	}
	if err := s.UpsertIntake(ctx, "73.71", rows, 0, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	start, end := time.Date(2020, 1, 8, 7, 30, 0, 0, wita), time.Date(2020, 1, 16, 9, 0, 0, 0, wita)
	esc := escalate.New(s.Escalation(), escalate.Options{Estimator: escalate.EstimateWith(reportdata.Estimator(s))})
	office := []api.IncidentOffice{{OfficeCode: "73.71", ProvinceCode: "73", StartedAt: start}}
	for _, ch := range []api.IncidentChange{
		{Kind: api.IncidentOpened, Incident: api.Incident{ID: 9, StartedAt: start, Scope: api.ScopeOffice, Cause: api.CauseCentral, Offices: office}},
		{Kind: api.IncidentRecovered, Incident: api.Incident{ID: 9, StartedAt: start, EndedAt: &end, Scope: api.ScopeOffice, Cause: api.CauseCentral, Offices: office}},
	} {
		err := pgx.BeginFunc(ctx, s.Pool(), func(tx pgx.Tx) error {
			if ch.Kind == api.IncidentRecovered {
				// The detector writes the outage in the same transaction.
				if _, err := tx.Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
					VALUES ('73.71', 1, 1, $1, $2, 'down', 'recovery', 'central', 'central')`, start, end); err != nil {
					return err
				}
			}
			return esc.Hook(ctx, postgres.EscalationTxOf(tx), ch)
		})
		if err != nil {
			t.Fatalf("%s: %v", ch.Kind, err)
		}
		esc.AfterIncidents(ctx, []api.IncidentChange{ch}) // after the commit, as the detector calls it
	}
	var e escalate.Estimate
	if err := s.Pool().QueryRow(ctx, `SELECT estimate FROM escalation_incidents WHERE incident_id = 9`).Scan(&e); err != nil {
		t.Fatal(err)
	}
	if e.Documents < 300 || e.OvertimeHours == 0 || e.Cost == 0 || e.ClearanceDate.IsZero() {
		t.Fatalf("stored estimate %+v", e)
	}
	t.Logf("stored estimate: %+v", e)
}
