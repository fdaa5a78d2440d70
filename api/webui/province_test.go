package webui

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/report/calendar"
)

// TestProvincePageFromStoredFigures: the province page, built from the
// province report (stored figures) and one read of the offices' states
// and timelines, shows what it showed when it built each office's page:
// the same table, totals and heatmap, for a period running through today
// (an office with an open outage, one without) and one that has ended,
// before the figures are stored and after; and the national page's
// backlogs and assumed end, read from the stored figures, are those it
// summed from every office's page.
func TestProvincePageFromStoredFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Store(t)
	mks := pgtest.Makassar(t, s)
	gowa := api.Office{Code: "73.06", Name: "Kabupaten Gowa", ProvinceCode: "73", Kind: "kabupaten", TZ: "Asia/Makassar"}
	if err := s.UpsertRegions(ctx, []api.Province{mks.Province}, []api.Office{gowa}, nil); err != nil {
		t.Fatal(err)
	}
	gc, err := s.PutTarget(ctx, api.Target{OfficeCode: gowa.Code, Spec: probe.Target{Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"}, Interval: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	wita := time.FixedZone("WITA", 8*3600)
	now := time.Date(2020, 1, 20, 14, 10, 0, 0, wita)
	for _, o := range []struct {
		code   string
		target int64
	}{{mks.Code, mks.Central.ID}, {gowa.Code, gc.ID}} {
		pr, _, err := s.CreateProbe(ctx, o.code, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Pool().Exec(ctx, `INSERT INTO series_state (office_code, probe_id, target_id, first_at, last_at, last_seq, down, run, silent_at, silent, evaluated_at)
			VALUES ($1, $2, $3, $4, $5, 1, false, 0, $5, false, $5)`, o.code, pr.ID, o.target, time.Date(2020, 1, 2, 8, 0, 0, 0, wita), now); err != nil {
			t.Fatal(err)
		}
		var rows []api.IntakeRow
		for d := calendar.D(2020, 1, 2); !d.After(calendar.D(2020, 1, 20)); d = d.AddDays(1) {
			if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
				rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 60})
			}
		}
		if err := s.UpsertIntake(ctx, o.code, rows, 0, time.Now(), nil); err != nil {
			t.Fatal(err)
		}
		// A closed cut, and for Gowa one still open since this morning.
		outs := [][2]any{{time.Date(2020, 1, 8, 7, 30, 0, 0, wita), time.Date(2020, 1, 9, 11, 0, 0, 0, wita)}}
		if o.code == gowa.Code {
			outs = append(outs, [2]any{time.Date(2020, 1, 20, 9, 45, 0, 0, wita), nil})
		}
		for _, out := range outs {
			if _, err := s.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
				VALUES ($1, $2, $3, $4, $5::timestamptz, 'down', CASE WHEN $5::timestamptz IS NULL THEN NULL ELSE 'recovery' END, 'central', 'central')`,
				o.code, pr.ID, o.target, out[0], out[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.CreateMaintenance(ctx, api.MaintenanceWindow{Scope: api.ScopeProvince, ProvinceCode: "73", Reason: "uji",
		StartsAt: time.Date(2020, 1, 14, 20, 0, 0, 0, wita), EndsAt: time.Date(2020, 1, 15, 2, 0, 0, 0, wita)}); err != nil {
		t.Fatal(err)
	}
	p := New(s, nil, slog.New(slog.DiscardHandler), func() time.Time { return now })
	loc := officeLocation(mks.Province.TZ)
	pers := []period{defaultPeriod(loc, now, reportdata.PageDefaultDays)}
	ended := period{From: calendar.D(2020, 1, 6), To: calendar.D(2020, 1, 12), Loc: loc}
	ended.Start, ended.End = ended.From.In(loc, 0), ended.To.AddDays(1).In(loc, 0)
	pers = append(pers, ended)
	for round := range 2 {
		for _, per := range pers {
			want, err := p.buildProvinceDetail(ctx, "id", mks.Province, per)
			if err != nil {
				t.Fatal(err)
			}
			got, err := p.buildProvincePage(ctx, "id", mks.Province, per, false)
			if err != nil {
				t.Fatal(err)
			}
			// The exports (CSV, XLSX) and the monthly report: the same
			// book from the stored figures with plans.
			withPlans, err := p.buildProvincePage(ctx, "id", mks.Province, per, true)
			if err != nil {
				t.Fatal(err)
			}
			for _, lang := range []string{"id", "en"} {
				gb, _ := json.Marshal(provinceBook(lang, withPlans, now))
				wb, _ := json.Marshal(provinceBook(lang, want, now))
				if !bytes.Equal(gb, wb) {
					t.Errorf("round %d, %s..%s: export (%s) differs:\n got %s\nwant %s", round, per.From, per.To, lang, gb, wb)
				}
			}
			what := fmt.Sprintf("round %d, %s..%s", round, per.From, per.To)
			if got.Heatmap != want.Heatmap {
				t.Errorf("%s: heatmap\n got %s\nwant %s", what, got.Heatmap, want.Heatmap)
			}
			if got.Totals.Outages != want.Totals.Outages || got.Totals.Backlog != want.Totals.Backlog ||
				got.Totals.OvertimeHours != want.Totals.OvertimeHours || got.Totals.Cost != want.Totals.Cost {
				t.Errorf("%s: totals %+v, want %+v", what, got.Totals, want.Totals)
			}
			if len(got.Offices) != len(want.Offices) || len(got.Incidents) != len(want.Incidents) {
				t.Fatalf("%s: %d offices %d incidents, want %d and %d", what, len(got.Offices), len(got.Incidents), len(want.Offices), len(want.Incidents))
			}
			for i, w := range want.Offices {
				g := got.Offices[i]
				gs, _ := json.Marshal(g.State)
				ws, _ := json.Marshal(w.State)
				gl := fmt.Sprint(g.Office.Code, string(gs), optFloat(g.Availability), g.Outages, g.Backlog, g.OvertimeHours, g.Cost)
				wl := fmt.Sprint(w.Office.Code, string(ws), optFloat(w.Availability), w.Outages, w.Backlog, w.OvertimeHours, w.Cost)
				if gl != wl {
					t.Errorf("%s: office line\n got %s\nwant %s", what, gl, wl)
				}
			}
			// The printed report (HTML, and so its PDF) is the same page
			// from either.
			page := func(d *provinceDetail) []byte {
				t.Helper()
				html, err := p.execute("report", "report.title", view{Lang: "id", Now: now, Data: printView{Kind: "province", Province: d, Letter: provinceLetter(d, now)}})
				if err != nil {
					t.Fatal(err)
				}
				return html
			}
			if g, w := page(got), page(want); !bytes.Equal(g, w) {
				t.Errorf("%s: printed report differs:\n got %s\nwant %s", what, g, w)
			}
		}
		// The national page's backlogs, from the stored figures, as
		// when it built each office's page.
		offices, err := s.Offices(ctx, api.OfficeFilter{})
		if err != nil {
			t.Fatal(err)
		}
		ranks := func() map[string]*provinceRank {
			return map[string]*provinceRank{"73": {Province: mks.Province}}
		}
		got, want := ranks(), ranks()
		ga, err := p.addBacklogs(ctx, "id", offices, got)
		if err != nil {
			t.Fatal(err)
		}
		wa, err := p.addBacklogsByOffice(ctx, "id", offices, want)
		if err != nil {
			t.Fatal(err)
		}
		if wa == nil || want["73"].OvertimeHours == 0 {
			t.Fatalf("round %d: the fixture's open outage and overtime are not on the national page (assumed %v, overtime %d)", round, wa, want["73"].OvertimeHours)
		}
		if fmt.Sprint(ga) != fmt.Sprint(wa) || got["73"].Backlog != want["73"].Backlog || got["73"].OvertimeHours != want["73"].OvertimeHours {
			t.Errorf("round %d: national page: assumed %v backlog %d overtime %d, want %v %d %d", round, ga, got["73"].Backlog,
				got["73"].OvertimeHours, wa, want["73"].Backlog, want["73"].OvertimeHours)
		}
		// The refresher stores what the first round built (and warms the
		// defaults); the second round reads it.
		b := reportdata.New(s, p.now)
		if err := b.Warm(ctx); err != nil {
			t.Fatal(err)
		}
		for more := true; more; {
			if more, err = b.Refresh(ctx, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func optFloat(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// addBacklogsByOffice is the national page's addBacklogs as it was before
// stored figures: every office's page built.
func (p *Pages) addBacklogsByOffice(ctx context.Context, lang string, offices []api.Office, by map[string]*provinceRank) (*time.Time, error) {
	now := p.now()
	codes, err := p.store.OfficesWithIntakeSince(ctx, calendar.DateOf(now.Add(-15*24*time.Hour), now.Location()))
	if err != nil {
		return nil, err
	}
	var assumed *time.Time
	for _, o := range offices {
		if !slices.Contains(codes, o.Code) || by[o.ProvinceCode] == nil {
			continue
		}
		per := defaultPeriod(officeLocation(o.TZ), now, 14)
		d, err := p.buildOfficeDetail(ctx, lang, o, per, time.Time{})
		if err != nil {
			return nil, err
		}
		if d.AssumeEnd != nil && (assumed == nil || d.AssumeEnd.After(*assumed)) {
			assumed = d.AssumeEnd
		}
		if n := len(d.Backlog.Days); n > 0 {
			by[o.ProvinceCode].Backlog += d.Backlog.Days[n-1].Backlog
		}
		by[o.ProvinceCode].OvertimeHours += d.Backlog.Totals.OvertimeHours
	}
	return assumed, nil
}

// buildProvinceDetail is the province's figures as they were built before
// they were stored: every office's page built (buildOfficeDetail), the
// reference the stored figures are compared with.
func (p *Pages) buildProvinceDetail(ctx context.Context, lang string, pr api.Province, per period) (*provinceDetail, error) {
	d, offices, end, err := p.startProvinceDetail(ctx, pr, per)
	if err != nil {
		return nil, err
	}
	timelines := map[string][]api.StateInterval{}
	for _, o := range offices {
		loc := officeLocation(o.TZ)
		od, err := p.buildOfficeDetail(ctx, lang, o, periodIn(per, loc), time.Time{})
		if err != nil {
			return nil, err
		}
		timelines[o.Code] = od.Timeline
		t := officeTotal{Office: o, State: od.State, Availability: od.SLA.All.Availability, Outages: od.SLA.Outages, Report: od.Backlog,
			OvertimeHours: od.Backlog.Totals.OvertimeHours, Cost: od.Backlog.Totals.Cost,
			SLA: od.SLA, OpenSince: od.OpenSince, AssumeEnd: od.AssumeEnd}
		if n := len(od.Backlog.Days); n > 0 {
			t.Backlog = od.Backlog.Days[n-1].Backlog
		}
		d.add(t)
	}
	return d, p.finishProvinceDetail(ctx, lang, d, offices, end, timelines)
}
