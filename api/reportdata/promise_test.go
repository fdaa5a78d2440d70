package reportdata_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/escalate"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
)

// openCut records four weeks of usual intake at Kota Makassar (two offices
// in the province) and a central cut still open since Wednesday 8 January
// 2020 07:30 WITA.
func openCut(t *testing.T) (*postgres.Store, []api.Office, time.Time) {
	t.Helper()
	ctx := context.Background()
	s := pgtest.Store(t)
	offices := []api.Office{
		{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
		{Code: "73.72", Name: "Kota Parepare", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"},
	}
	if err := s.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}, offices, nil); err != nil {
		t.Fatal(err)
	}
	wita, _ := time.LoadLocation("Asia/Makassar")
	cal := calendar.Default(wita)
	var rows []api.IntakeRow
	for d := calendar.D(2019, 12, 9); d.Before(calendar.D(2020, 1, 9)); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) && d != calendar.D(2020, 1, 1) {
			rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 60})
		}
	}
	if err := s.UpsertIntake(ctx, "73.71", rows, 0, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2020, 1, 8, 7, 30, 0, 0, wita)
	if _, err := s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, kind, cause, target_kind)
		VALUES ('73.71', 1, 1, $1, 'down', 'central', 'central')`, start); err != nil {
		t.Fatal(err)
	}
	return s, offices, start
}

// TestPromiseFromTheStore asks on Thursday 9 January at 10:07 WITA: the
// 8th's 60 Kartu Keluarga (due in one working hour) are already late, so
// the promise is broken and Broken says by how much at the least; the
// day's intake, not recorded yet, is projected.
func TestPromiseFromTheStore(t *testing.T) {
	t.Parallel()
	s, offices, start := openCut(t)
	wita, _ := time.LoadLocation("Asia/Makassar")
	now := time.Date(2020, 1, 9, 10, 7, 0, 0, wita)
	p, err := reportdata.New(s, func() time.Time { return now }).Promise(context.Background(), offices[0])
	if err != nil {
		t.Fatal(err)
	}
	if p == nil || !p.OutageStart.Equal(start) || p.Kept || p.Late == 0 || len(p.Broken) == 0 {
		t.Fatalf("promise %+v, want a broken one for the cut from %s", p, start)
	}
	// Received since the model began (the day before the cut) by 10:07:
	// 60 on the 7th, 60 on the 8th and, of the 9th's projected 60, those
	// by 10:07 (file j of 60 at 07:30 + ⌊7.5 j⌋ min: j ≤ 21).
	if p.Received != 60+60+22 || !p.ReturnAt.Equal(time.Date(2020, 1, 9, 10, 15, 0, 0, wita)) {
		t.Fatalf("received %d, return at %s; want 142 and 10:15", p.Received, p.ReturnAt.In(wita))
	}
	// The 8th's files arrived inside the cut and were due within the hour:
	// all of them, and the 9th's so far, are late; one group per day.
	if len(p.Broken) != 2 || p.Broken[0].Count != 60 || p.Broken[0].Received != calendar.D(2020, 1, 8) ||
		p.Broken[1].Count != 22 || p.Late != 82 || p.MaxLateness != p.Broken[0].MaxLateness {
		t.Fatalf("broken %+v, late %d", p.Broken, p.Late)
	}
	if p, err := reportdata.New(s, func() time.Time { return now }).Promise(context.Background(), offices[1]); p != nil || err != nil {
		t.Fatalf("office without an open outage: %+v, %v", p, err)
	}
}

// TestOneBacklogEverywhere: the office's report and the province's, built
// at the same instant for the same open outage, assume the same end
// (reportdata.AssumeEnd) and show the same backlog for the office.
func TestOneBacklogEverywhere(t *testing.T) {
	t.Parallel()
	s, offices, start := openCut(t)
	wita, _ := time.LoadLocation("Asia/Makassar")
	now := time.Date(2020, 1, 9, 10, 7, 0, 0, wita)
	b := reportdata.New(s, func() time.Time { return now })
	per := reportdata.Period{From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 9)}
	office, err := b.Office(context.Background(), offices[0], per)
	if err != nil {
		t.Fatal(err)
	}
	area, err := b.Area(context.Background(), "73", "Sulawesi Selatan", offices, per)
	if err != nil {
		t.Fatal(err)
	}
	end, ok := reportdata.Assumed(office.Report)
	if want := reportdata.AssumeEnd(time.Time{}, start, now); !ok || !end.Equal(want) || !want.Equal(time.Date(2020, 1, 9, 10, 15, 0, 0, wita)) {
		t.Fatalf("assumed end %s (%v), want %s", end.In(wita), ok, want.In(wita))
	}
	last := func(r *report.Report) int { return r.Days[len(r.Days)-1].Backlog }
	if last(office.Report) == 0 || last(office.Report) != last(area.Report) {
		t.Fatalf("office backlog %d, province %d (Parepare has no intake)", last(office.Report), last(area.Report))
	}
	if got := reportdata.AssumptionText("id", end, wita); got != "dengan asumsi koneksi kembali 9 Januari 2020 10.15 WITA" {
		t.Errorf("text %q", got)
	}
	if got := reportdata.AssumptionText("en", end, wita); got != "assuming the link is back on 9 January 2020 10:15 WITA" {
		t.Errorf("text %q", got)
	}
}

// TestPastPeriodProjectsTheWeeksAfter is issue 12's Makassar case: a past
// period whose following weeks have no intake recorded. The clearance date
// is worked out against the usual intake after the period (marked
// projected), not against no files at all, which clears far too early.
func TestPastPeriodProjectsTheWeeksAfter(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Store(t)
	office := api.Office{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}
	if err := s.UpsertRegions(ctx, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}}, []api.Office{office}, nil); err != nil {
		t.Fatal(err)
	}
	wita, _ := time.LoadLocation("Asia/Makassar")
	cal := calendar.Default(wita)
	var rows []api.IntakeRow
	for d := calendar.D(2019, 12, 2); !d.After(calendar.D(2020, 1, 17)); d = d.AddDays(1) {
		if cal.IsWorkingDay(d) {
			rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 35}, api.IntakeRow{Date: d, Type: "AKTA-LAHIR", Received: 30},
				api.IntakeRow{Date: d, Type: "SUKET", Received: 15})
		}
	}
	if err := s.UpsertIntake(ctx, "73.71", rows, 0, time.Now(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
		VALUES ('73.71', 1, 1, $1, $2, 'down', 'recovery', 'central', 'central')`,
		time.Date(2020, 1, 8, 7, 30, 0, 0, wita), time.Date(2020, 1, 16, 9, 0, 0, 0, wita)); err != nil {
		t.Fatal(err)
	}
	b := reportdata.New(s, func() time.Time { return time.Date(2020, 3, 2, 9, 0, 0, 0, wita) })
	per := reportdata.Period{From: calendar.D(2020, 1, 1), To: calendar.D(2020, 1, 17)}
	got, err := b.Office(ctx, office, per)
	if err != nil {
		t.Fatal(err)
	}
	if got.Projected == nil || got.Projected.From != calendar.D(2020, 1, 20) {
		t.Fatalf("projected %+v, want from Monday 20 January (the first working day without a record)", got.Projected)
	}
	// The same period told that nothing is projected (ProjectFrom past
	// the model's range): the files stop after the 17th.
	per.ProjectFrom = per.To.AddDays(60)
	silent, err := b.Office(ctx, office, per)
	if err != nil {
		t.Fatal(err)
	}
	if silent.Projected != nil || silent.Report.Clearance == nil || got.Report.Clearance == nil ||
		!got.Report.Clearance.After(*silent.Report.Clearance) {
		t.Fatalf("clearance %v with the usual intake after the period, %v with none; want a later date with it", got.Report.Clearance, silent.Report.Clearance)
	}
	t.Logf("clearance %s with the usual intake after the period (%d files projected), %s assuming none", got.Report.Clearance, got.Projected.Files, silent.Report.Clearance)
}

// TestEscalationPromiserSumsUpForSlack: inside escalation's transaction,
// the office with the open cut gets a promise summary named after it (on
// Thursday 10:07 its 82 files are late: broken, as in
// TestPromiseFromTheStore), the other none.
func TestEscalationPromiserSumsUpForSlack(t *testing.T) {
	t.Parallel()
	s, _, _ := openCut(t)
	wita, _ := time.LoadLocation("Asia/Makassar")
	promiser := reportdata.EscalationPromiser(s, func() time.Time { return time.Date(2020, 1, 9, 10, 7, 0, 0, wita) })
	var mks, pare *api.PromiseSummary
	err := s.Escalation().InTx(context.Background(), func(tx api.EscalationTx) error {
		var err error
		if mks, err = promiser(context.Background(), tx, escalate.OfficeRef{Code: "73.71", ProvinceCode: "73"}); err != nil {
			return err
		}
		pare, err = promiser(context.Background(), tx, escalate.OfficeRef{Code: "73.72", ProvinceCode: "73"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if mks == nil || mks.Office != "Kota Makassar" || mks.TZ != "Asia/Makassar" || mks.Kept || mks.Late != 82 {
		t.Fatalf("Makassar: %+v, want a broken promise", mks)
	}
	if pare != nil {
		t.Fatalf("Parepare has no open cut: %+v", pare)
	}
}
