package server_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web/format"
)

// seedExport records three weeks of intake for Makassar and Parepare (35
// KK, 30 Akta Kelahiran and 15 SKPWNI a working day), a closed outage at
// Parepare and, unless closed, a central outage at Makassar open since 26
// November 09.00 WITA: the fixture's clock is 1 December 16.00 WITA.
func seedExport(t *testing.T, f *webFixture, open bool) {
	t.Helper()
	ctx := context.Background()
	cal := calendar.Default(wita)
	for _, office := range []string{"73.71", "73.72"} {
		var rows []api.IntakeRow
		for d := calendar.D(2026, 11, 9); !d.After(calendar.D(2026, 12, 1)); d = d.AddDays(1) {
			if cal.IsWorkingDay(d) {
				rows = append(rows, api.IntakeRow{Date: d, Type: "KK", Received: 35}, api.IntakeRow{Date: d, Type: "AKTA-LAHIR", Received: 30},
					api.IntakeRow{Date: d, Type: "SUKET", Received: 15})
			}
		}
		if err := f.store.UpsertIntake(ctx, office, rows, f.sessions["staff71"].user.ID, f.now, nil); err != nil {
			t.Fatal(err)
		}
	}
	at := func(d, h int) time.Time { return time.Date(2026, 11, d, h, 0, 0, 0, wita) }
	end71 := at(27, 9)
	if open {
		end71 = time.Time{}
	}
	// Each office's central link measured from 1 November by one probe,
	// so availability has data and the outages are its down spans.
	for _, o := range []struct {
		code       string
		start, end time.Time
	}{{"73.72", at(20, 10), at(20, 16)}, {"73.71", at(26, 9), end71}} {
		p, _, err := f.store.CreateProbe(ctx, o.code, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Pool().Exec(ctx, `INSERT INTO series_state (office_code, probe_id, target_id, first_at, last_at, last_seq, down, run, silent_at, silent, evaluated_at)
			SELECT $1, $2, id, $3, $4, 1, false, 0, $4, false, $4 FROM targets WHERE office_code = $1 AND kind = 'central'`,
			o.code, p.ID, at(1, 0), f.now); err != nil {
			t.Fatal(err)
		}
		var endAt, by any
		if !o.end.IsZero() {
			endAt, by = o.end, "recovery"
		}
		if _, err := f.store.Pool().Exec(ctx, `INSERT INTO outages (office_code, probe_id, target_id, started_at, ended_at, kind, ended_by, cause, target_kind)
			SELECT $1, $2, id, $3, $4, 'down', $5, 'central', 'central' FROM targets WHERE office_code = $1 AND kind = 'central'`,
			o.code, p.ID, o.start, endAt, by); err != nil {
			t.Fatal(err)
		}
	}
}

// getXLSX downloads path as user and opens it with the library; keep,
// when not empty, names a copy left in testoutput/ for people to open.
func getXLSX(t *testing.T, f *webFixture, user, path, keep string) *excelize.File {
	t.Helper()
	resp, body := f.do(t, user, http.MethodGet, path, nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	if keep != "" {
		dir := filepath.Join("..", "..", "testoutput")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, keep), []byte(body), 0o644); err != nil {
			t.Logf("keeping %s: %v", keep, err)
		}
	}
	x, err := excelize.OpenReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: not an XLSX: %v", path, err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

var (
	tagRE  = regexp.MustCompile(`(?s)<[^>]*>`)
	rowRE  = regexp.MustCompile(`(?s)<tr([^>]*)>(.*?)</tr>`)
	cellRE = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
)

// htmlRow is one table row of a page: its class attribute and its cells'
// text (the first cell's markup kept too, for marks inside it).
type htmlRow struct {
	attr  string
	cells []string
	first string
}

// htmlTable reads the body rows of the first table after marker.
func htmlTable(t *testing.T, page, marker string) []htmlRow {
	t.Helper()
	i := strings.Index(page, marker)
	if i < 0 {
		t.Fatalf("page has no %q", marker)
	}
	tbl := page[i:]
	tbl = tbl[:strings.Index(tbl, "</table>")]
	if b := strings.Index(tbl, "<tbody>"); b >= 0 {
		tbl = tbl[b:strings.Index(tbl, "</tbody>")]
	}
	var out []htmlRow
	for _, m := range rowRE.FindAllStringSubmatch(tbl, -1) {
		r := htmlRow{attr: m[1]}
		for j, c := range cellRE.FindAllStringSubmatch(m[2], -1) {
			if j == 0 {
				r.first = c[1]
			}
			r.cells = append(r.cells, strings.TrimSpace(tagRE.ReplaceAllString(c[1], "")))
		}
		out = append(out, r)
	}
	return out
}

// pageInt reads a page's whole number ("1.234", "Rp 1.404.000").
func pageInt(t *testing.T, s string) int64 {
	t.Helper()
	d := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return -1
	}, s)
	n, err := strconv.ParseInt(d, 10, 64)
	if err != nil {
		t.Fatalf("page number %q: %v", s, err)
	}
	return n
}

// rawCell is a cell's stored value (a number as stored, not as shown).
func rawCell(t *testing.T, x *excelize.File, sheet string, col, row int) string {
	t.Helper()
	cell, _ := excelize.CoordinatesToCellName(col, row)
	v, err := x.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s!%s: %v", sheet, cell, err)
	}
	return v
}

// xlsxInt is a cell's whole number.
func xlsxInt(t *testing.T, x *excelize.File, sheet string, col, row int) int64 {
	t.Helper()
	v := rawCell(t, x, sheet, col, row)
	n, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s (%d,%d) = %q, want a number", sheet, col, row, v)
	}
	return int64(n)
}

// xlsxDate is a date cell's civil date.
func xlsxDate(t *testing.T, x *excelize.File, sheet string, col, row int) calendar.Date {
	t.Helper()
	v := rawCell(t, x, sheet, col, row)
	serial, err := strconv.ParseFloat(v, 64)
	if err != nil {
		t.Fatalf("%s (%d,%d) = %q, want a date number", sheet, col, row, v)
	}
	tm, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		t.Fatal(err)
	}
	return calendar.D(tm.Year(), tm.Month(), tm.Day())
}

// summaryRowOf finds a summary sheet's row by its label (column A).
func summaryRowOf(t *testing.T, x *excelize.File, sheet, label string) (row int) {
	t.Helper()
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if len(r) > 0 && r[0] == label {
			return i + 1
		}
	}
	t.Fatalf("%s has no row %q", sheet, label)
	return 0
}

// TestExportedNumbersEqualThePages: for the same office and period, during
// an open outage and after it closed, the XLSX holds the figures the
// office page, the province page, the national page and the JSON report
// show: the plan day by day (forecast days marked), the days' backlog,
// availability, totals, the clearance date and the assumption; and one
// backlog for Makassar everywhere.
func TestExportedNumbersEqualThePages(t *testing.T) {
	t.Parallel()
	for _, open := range []bool{true, false} {
		t.Run(fmt.Sprintf("open=%v", open), func(t *testing.T) {
			t.Parallel()
			f := newWebFixture(t)
			seedExport(t, f, open)
			const q = "?from=2026-11-18&to=2026-12-10"
			page := pageOK(t, f, "staff71", "/offices/73.71"+q)
			x := getXLSX(t, f, "staff71", "/reports/offices/73.71/xlsx"+q, fmt.Sprintf("export-73.71-open-%v.xlsx", open))

			// The overtime plan, row by row.
			plan := htmlTable(t, page, `<table class="list planned">`)
			if len(plan) == 0 {
				t.Fatalf("the office page shows no overtime plan")
			}
			forecasts := 0
			for i, r := range plan {
				row := i + 2
				if got, want := dayText(t, x, "Rencana lembur", 1, row), strings.Fields(r.cells[0]); got != strings.Join(want[:3], " ") {
					t.Errorf("plan row %d: date %q, page %q", i, got, r.cells[0])
				}
				for c := 1; c <= 3; c++ {
					if got, want := xlsxInt(t, x, "Rencana lembur", c+1, row), pageInt(t, r.cells[c]); got != want {
						t.Errorf("plan row %d column %d: xlsx %d, page %d", i, c, got, want)
					}
				}
				mark, _ := x.GetCellValue("Rencana lembur", fmt.Sprintf("F%d", row))
				if onPage := strings.Contains(r.attr, "forecast"); onPage != (mark == "perkiraan") {
					t.Errorf("plan row %d: page forecast %v, xlsx mark %q", i, onPage, mark)
				}
				if mark == "perkiraan" {
					forecasts++
				}
			}
			if forecasts == 0 {
				t.Errorf("no plan row marked as forecast, though the period runs to 10 December")
			}
			// The days (received, completed, backlog, overtime, cost) and
			// availability, on the office page and on the printed report
			// the download sits beside.
			letter := pageOK(t, f, "staff71", "/reports/offices/73.71"+q)
			for name, pg := range map[string]string{"office page": page, "report": letter} {
				days := htmlTable(t, pg, `<table class="list days">`)
				if len(days) != 23 {
					t.Fatalf("%s shows %d days, want 23", name, len(days))
				}
				for i, r := range days {
					for c, col := range []int{2, 3, 4, 5, 7} {
						if got, want := xlsxInt(t, x, "Harian", col, i+2), pageInt(t, r.cells[c+1]); got != want {
							t.Errorf("%s, day %s column %d: xlsx %d, page %d", name, r.cells[0], col, got, want)
						}
					}
				}
				av := regexp.MustCompile(`data-figure="availability">([0-9.,]+) %`).FindStringSubmatch(pg)
				if av == nil {
					t.Fatalf("%s shows no availability", name)
				}
				r := summaryRowOf(t, x, "Ringkasan SLA", "Ketersediaan 24×7")
				share, _ := strconv.ParseFloat(rawCell(t, x, "Ringkasan SLA", 2, r), 64)
				if got := format.Percent(format.ID, share, 2); got != av[1]+" %" {
					t.Errorf("%s: availability: xlsx %s, page %s %%", name, got, av[1])
				}
			}
			if m := regexp.MustCompile(`Perkiraan semua berkas selesai: <b>([^<]*)</b>`).FindStringSubmatch(letter); m == nil ||
				m[1] != dayText(t, x, "Ringkasan SLA", 2, summaryRowOf(t, x, "Ringkasan SLA", "Perkiraan semua berkas selesai")) {
				t.Errorf("report's clearance %v differs from the file's", m)
			}
			lastBacklog := xlsxInt(t, x, "Harian", 4, 24)
			// Clearance date and its assumption.
			cl := regexp.MustCompile(`Perkiraan semua berkas selesai: ([^<]*)</b>(?: \(([^)]*)\))?`).FindStringSubmatch(page)
			if cl == nil {
				t.Fatalf("the office page states no clearance date")
			}
			r := summaryRowOf(t, x, "Ringkasan SLA", "Perkiraan semua berkas selesai")
			if got := dayText(t, x, "Ringkasan SLA", 2, r); got != cl[1] {
				t.Errorf("clearance: xlsx %q, page %q", got, cl[1])
			}
			note, _ := x.GetCellValue("Ringkasan SLA", fmt.Sprintf("C%d", r))
			if note != cl[2] || open != strings.HasPrefix(note, "dengan asumsi koneksi kembali ") {
				t.Errorf("clearance note: xlsx %q, page %q (open %v)", note, cl[2], open)
			}
			if open {
				r := summaryRowOf(t, x, "Ringkasan SLA", "Asumsi")
				if v, _ := x.GetCellValue("Ringkasan SLA", fmt.Sprintf("B%d", r)); v != cl[2] {
					t.Errorf("assumption: xlsx %q, page %q", v, cl[2])
				}
			}
			// The JSON report the page's figures come from.
			var rep struct {
				Report struct {
					Clearance *string
					Totals    struct {
						Received      int64 `json:"received"`
						OvertimeHours int64 `json:"overtime_hours"`
						StaffHours    int64 `json:"staff_hours"`
						Cost          int64 `json:"cost"`
					}
				}
			}
			getJSON(t, f, "staff71", "/api/v1/offices/73.71/report?from=2026-11-18&to=2026-12-10&extend=false", &rep)
			for label, want := range map[string]int64{"Berkas diterima": rep.Report.Totals.Received, "Jam lembur": rep.Report.Totals.OvertimeHours,
				"Jam orang lembur": rep.Report.Totals.StaffHours, "Biaya lembur (Rp)": rep.Report.Totals.Cost} {
				if got := xlsxInt(t, x, "Ringkasan SLA", 2, summaryRowOf(t, x, "Ringkasan SLA", label)); got != want {
					t.Errorf("%s: xlsx %d, JSON %d", label, got, want)
				}
			}
			if rep.Report.Clearance == nil || xlsxDate(t, x, "Ringkasan SLA", 2, summaryRowOf(t, x, "Ringkasan SLA", "Perkiraan semua berkas selesai")).String() != *rep.Report.Clearance {
				t.Errorf("clearance: JSON %v", rep.Report.Clearance)
			}

			// The province: its page's totals table, its XLSX, and
			// Makassar's backlog as the office file has it.
			px := getXLSX(t, f, "prov73", "/reports/provinces/73/xlsx"+q, fmt.Sprintf("export-73-open-%v.xlsx", open))
			for _, path := range []string{"/provinces/73" + q, "/reports/provinces/73" + q} {
				totals := htmlTable(t, pageOK(t, f, "prov73", path), `<table class="list totals">`)
				if len(totals) != 2 {
					t.Fatalf("%s lists %d offices, want 2", path, len(totals))
				}
				for i, r := range totals {
					row := i + 2
					if name, _ := px.GetCellValue("Kantor", fmt.Sprintf("B%d", row)); name != r.cells[0] {
						t.Fatalf("province row %d: xlsx %q, page %q", i, name, r.cells[0])
					}
					// outages, backlog, overtime, cost
					for c, col := range map[int]int{3: 7, 4: 12, 5: 13, 6: 15} {
						if got, want := xlsxInt(t, px, "Kantor", col, row), pageInt(t, r.cells[c]); got != want {
							t.Errorf("province %s column %d: xlsx %d, page %d", r.cells[0], col, got, want)
						}
					}
					if r.cells[0] == "Kota Makassar" && xlsxInt(t, px, "Kantor", 12, row) != lastBacklog {
						t.Errorf("Makassar's backlog: province file %d, office file %d", xlsxInt(t, px, "Kantor", 12, row), lastBacklog)
					}
					if r.cells[0] == "Kota Makassar" && open {
						if z, _ := px.GetCellValue("Kantor", fmt.Sprintf("C%d", row)); z != "WITA" {
							t.Errorf("zone column %q, want WITA", z)
						}
						if got := xlsxTime(t, px, "Kantor", 17, row); !got.Equal(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) {
							t.Errorf("open since %v, want 26 November 09.00 (WITA wall clock)", got)
						}
					}
				}
			}

			// National: the 14 days up to today, the province's backlog
			// is the sum of its offices' in the province file of the same
			// period.
			nat := pageOK(t, f, "national", "/national")
			var natBacklog int64 = -1
			for _, r := range htmlTable(t, nat, `<tbody>`) {
				if len(r.cells) > 4 && r.cells[0] == "Sulawesi Selatan" {
					natBacklog = pageInt(t, r.cells[4])
				}
			}
			px14 := getXLSX(t, f, "national", "/reports/provinces/73/xlsx?from=2026-11-18&to=2026-12-01", "")
			sum := xlsxInt(t, px14, "Kantor", 12, 2) + xlsxInt(t, px14, "Kantor", 12, 3)
			if natBacklog != sum {
				t.Errorf("Sulawesi Selatan's backlog: national page %d, province file %d", natBacklog, sum)
			}
			t.Logf("open=%v: Makassar backlog %d to 10 December, Sulawesi Selatan %d today; %d plan days, %d forecast; clearance %s",
				open, lastBacklog, sum, len(plan), forecasts, cl[1])
		})
	}
}

// pageOK gets a page, failing on any status but 200.
func pageOK(t *testing.T, f *webFixture, user, path string) string {
	t.Helper()
	resp, body := f.do(t, user, http.MethodGet, path, nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %.300s", path, resp.StatusCode, body)
	}
	return body
}

// dayText is a date cell as the Indonesian pages write a date.
func dayText(t *testing.T, x *excelize.File, sheet string, col, row int) string {
	t.Helper()
	d := xlsxDate(t, x, sheet, col, row)
	return format.Day(format.ID, d.Year, d.Month, d.Day)
}

// xlsxTime is a date-time cell's wall clock, as a UTC time.
func xlsxTime(t *testing.T, x *excelize.File, sheet string, col, row int) time.Time {
	t.Helper()
	serial, err := strconv.ParseFloat(rawCell(t, x, sheet, col, row), 64)
	if err != nil {
		t.Fatalf("%s (%d,%d): not a date-time number", sheet, col, row)
	}
	tm, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		t.Fatal(err)
	}
	return tm.Round(time.Second)
}

// numFmt is a cell's number format: the built-in id, or the custom code.
func numFmt(t *testing.T, x *excelize.File, sheet, cell string) (int, string) {
	t.Helper()
	idx, err := x.GetCellStyle(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := x.GetStyle(idx)
	if err != nil {
		t.Fatal(err)
	}
	if st.CustomNumFmt != nil {
		return st.NumFmt, *st.CustomNumFmt
	}
	return st.NumFmt, ""
}

// TestExportCellTypesAndLanguages reads exported files back: dates are
// date cells (a number with a date format, the office's wall clock),
// numbers are numbers with built-in formats, headers and sheets are
// Indonesian, or English when the user chose English; the CSV with ';'
// has decimal commas and times without an offset, in the office's zone.
func TestExportCellTypesAndLanguages(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	seedExport(t, f, true)
	const q = "?from=2026-11-18&to=2026-12-10"
	for _, tc := range []struct {
		lang                      string
		sheets                    string
		dayHead, recvHead, dec1   string
		outStart, summary, avail  string
		provSheets, provZoneHeadr string
	}{
		{"id", "Ringkasan SLA,Rencana lembur,Harian,Gangguan", "Tanggal", "Diterima", "1 Desember 2026",
			"Mulai (WITA)", "Ringkasan SLA", "Ketersediaan 24×7", "Ringkasan SLA,Kantor,Rencana lembur,Insiden", "Zona waktu"},
		{"en", "SLA summary,Overtime plan,Daily,Outages", "Date", "Received", "1 December 2026",
			"Start (WITA)", "SLA summary", "Availability 24×7", "SLA summary,Offices,Overtime plan,Incidents", "Time zone"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			x := getXLSX(t, f, "city71", "/reports/offices/73.71/xlsx"+q+"&lang="+tc.lang, "export-73.71-"+tc.lang+".xlsx")
			if got := strings.Join(x.GetSheetList(), ","); got != tc.sheets {
				t.Fatalf("sheets %s, want %s", got, tc.sheets)
			}
			days, outs := strings.Split(tc.sheets, ",")[2], strings.Split(tc.sheets, ",")[3]
			for cell, want := range map[string]string{"A1": tc.dayHead, "B1": tc.recvHead} {
				if v, _ := x.GetCellValue(days, cell); v != want {
					t.Errorf("%s!%s = %q, want %q", days, cell, v, want)
				}
			}
			if v, _ := x.GetCellValue(outs, "B1"); v != tc.outStart {
				t.Errorf("%s!B1 = %q, want %q", outs, v, tc.outStart)
			}
			// 1 December is row 15: a date cell, shown with the language's
			// month name.
			if ct, _ := x.GetCellType(days, "A15"); ct == excelize.CellTypeSharedString || ct == excelize.CellTypeInlineString {
				t.Errorf("%s!A15 is text, want a date", days)
			}
			if _, code := numFmt(t, x, days, "A15"); !strings.Contains(code, "d mmmm yyyy") {
				t.Errorf("%s!A15 format %q, want d mmmm yyyy", days, code)
			}
			if v, _ := x.GetCellValue(days, "A15"); v != tc.dec1 {
				t.Errorf("%s!A15 shows %q, want %q", days, v, tc.dec1)
			}
			// Numbers: received a number with #,##0.
			if id, _ := numFmt(t, x, days, "B15"); id != 3 {
				t.Errorf("%s!B15 format %d, want built-in 3 (#,##0)", days, id)
			}
			if _, err := strconv.Atoi(rawCell(t, x, days, 2, 15)); err != nil {
				t.Errorf("%s!B15 = %q, not a whole number", days, rawCell(t, x, days, 2, 15))
			}
			// The open outage's start: a date-time at the office's wall
			// clock (09.00 WITA, not 01.00 UTC), dd/mm/yyyy hh:mm.
			if _, code := numFmt(t, x, outs, "B2"); code != "dd/mm/yyyy hh:mm" {
				t.Errorf("%s!B2 format %q", outs, code)
			}
			if v, _ := x.GetCellValue(outs, "B2"); v != "26/11/2026 09:00" {
				t.Errorf("%s!B2 shows %q, want 26/11/2026 09:00", outs, v)
			}
			// Availability: a share with 0.00%.
			r := summaryRowOf(t, x, tc.summary, tc.avail)
			if id, _ := numFmt(t, x, tc.summary, fmt.Sprintf("B%d", r)); id != 10 {
				t.Errorf("availability format %d, want built-in 10 (0.00%%)", id)
			}
			// No time anywhere as text with an offset or in UTC.
			stamp := regexp.MustCompile(`\d{4}-\d\d-\d\dT|[+-]\d\d:\d\d\b|\bUTC\b|Z$`)
			for _, name := range x.GetSheetList() {
				rows, _ := x.GetRows(name, excelize.Options{RawCellValue: true})
				for i, row := range rows {
					for j, v := range row {
						if stamp.MatchString(v) {
							t.Errorf("%s row %d column %d holds a time as text: %q", name, i+1, j+1, v)
						}
					}
				}
			}
			// Days without recorded intake say that the usual intake
			// stands in for them (10 December), recorded ones not.
			if tc.lang == "id" {
				for cell, want := range map[string]string{"R1": "Asupan", "R14": "tercatat", "R24": "asupan perkiraan"} {
					if v, _ := x.GetCellValue(days, cell); v != want {
						t.Errorf("%s!%s = %q, want %q", days, cell, v, want)
					}
				}
				summaryRowOf(t, x, tc.summary, "Hari dengan asupan perkiraan")
			}
			px := getXLSX(t, f, "prov73", "/reports/provinces/73/xlsx"+q+"&lang="+tc.lang, "")
			if got := strings.Join(px.GetSheetList(), ","); got != tc.provSheets {
				t.Errorf("province sheets %s, want %s", got, tc.provSheets)
			}
			if v, _ := px.GetCellValue(strings.Split(tc.provSheets, ",")[1], "C1"); v != tc.provZoneHeadr {
				t.Errorf("province offices C1 = %q, want %q", v, tc.provZoneHeadr)
			}
		})
	}

	// CSV with ';': the days with Indonesian headers and decimal commas;
	// the outages' times at the office's wall clock, no offset.
	_, body := f.do(t, "city71", http.MethodGet, "/reports/offices/73.71/csv"+q+"&sep=%3B", nil, false)
	cr := csv.NewReader(strings.NewReader(body))
	cr.Comma = ';'
	if !strings.HasPrefix(body, "\ufeffTanggal;") {
		t.Errorf("the ; CSV starts %.20q, want the UTF-8 mark then Tanggal (Excel reads it as UTF-8 then)", body)
	}
	cr = csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff")))
	cr.Comma = ';'
	recs, err := cr.ReadAll()
	if err != nil || len(recs) != 24 || recs[0][0] != "Tanggal" || recs[14][0] != "2026-12-01" {
		t.Fatalf("days CSV: %v, %d rows, %v", err, len(recs), recs[0])
	}
	for _, rec := range recs[1:] {
		for i, v := range rec {
			if strings.Contains(v, ".") {
				t.Errorf("column %s holds a decimal point: %q", recs[0][i], v)
			}
		}
	}
	_, body = f.do(t, "city71", http.MethodGet, "/reports/offices/73.71/csv"+q+"&sep=%3B&table=outages", nil, false)
	if !strings.Contains(body, "Mulai (WITA)") || !strings.Contains(body, ";2026-11-26 09:00;") {
		t.Errorf("outages CSV: %q, want Mulai (WITA) and 2026-11-26 09:00", body)
	}
	if resp, body := f.do(t, "city71", http.MethodGet, "/reports/offices/73.71/csv?table=x", nil, false); resp.StatusCode != 400 || !strings.Contains(body, "summary, plan, days, outages") {
		t.Errorf("table=x: %d %.200s, want 400 naming the tables", resp.StatusCode, body)
	}
	_, body = f.do(t, "city71", http.MethodGet, "/reports/offices/73.71/csv"+q+"&lang=en", nil, false)
	if !strings.HasPrefix(body, "Date,Received,") {
		t.Errorf("English CSV starts %.60q", body)
	}
}

// openpyxlDump is a reader nobody here wrote (openpyxl, Debian's
// python3-openpyxl): every cell of every sheet as its data type (d date,
// n number, s text), number format and value.
const openpyxlDump = `
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
out = {}
for ws in wb.worksheets:
    out[ws.title] = [[[c.data_type, c.number_format, c.value.isoformat() if c.is_date else c.value] for c in row] for row in ws.iter_rows()]
json.dump(out, sys.stdout, default=str)
`

// TestExportReadByOpenpyxl reads the office file with openpyxl: dates are
// dates at the office's wall clock, numbers are numbers with #,##0 and
// 0.00%, and no cell holds a time as text. Skipped (and said) without
// /usr/bin/python3 and openpyxl (.ci/deps installs them).
func TestExportReadByOpenpyxl(t *testing.T) {
	t.Parallel()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import openpyxl").Run(); err != nil {
		t.Skipf("no openpyxl for %s (apt-get install python3-openpyxl): %v", py, err)
	}
	f := newWebFixture(t)
	seedExport(t, f, true)
	resp, body := f.do(t, "city71", http.MethodGet, "/reports/offices/73.71/xlsx?from=2026-11-18&to=2026-12-10", nil, false)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	file := filepath.Join(t.TempDir(), "makassar.xlsx")
	if err := os.WriteFile(file, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "-c", openpyxlDump, file).Output()
	if err != nil {
		t.Fatalf("openpyxl: %v", err)
	}
	var book map[string][][][3]any
	if err := json.Unmarshal(out, &book); err != nil {
		t.Fatalf("openpyxl's dump: %v", err)
	}
	cell := func(sheet string, row, col int) (typ, format string, v any) {
		t.Helper()
		rows := book[sheet]
		if row > len(rows) || col > len(rows[row-1]) {
			t.Fatalf("openpyxl finds no %s (%d,%d)", sheet, row, col)
		}
		c := rows[row-1][col-1]
		typ, _ = c[0].(string)
		format, _ = c[1].(string)
		return typ, format, c[2]
	}
	days := book["Harian"]
	if len(days) < 24 {
		t.Fatalf("openpyxl reads %d rows of Harian, want 23 days and a header", len(days))
	}
	for row := 2; row <= 24; row++ {
		typ, _, v := cell("Harian", row, 1)
		want := calendar.D(2026, 11, 18).AddDays(row-2).String() + "T00:00:00"
		if typ != "d" || v != want {
			t.Errorf("Harian row %d date: %s %v, want a date %s", row, typ, v, want)
		}
		if typ, format, v := cell("Harian", row, 2); typ != "n" || format != "#,##0" {
			t.Errorf("Harian row %d received: %s %q %v, want a number #,##0", row, typ, format, v)
		}
	}
	if typ, format, v := cell("Gangguan", 2, 2); typ != "d" || format != "dd/mm/yyyy hh:mm" || v != "2026-11-26T09:00:00" {
		t.Errorf("outage start: %s %q %v, want a date-time 2026-11-26T09:00:00 (WITA wall clock)", typ, format, v)
	}
	if typ, format, v := cell("Harian", 10, 10); typ != "n" || format != "0.00%" {
		t.Errorf("26 November availability: %s %q %v, want a number 0.00%%", typ, format, v)
	}
	stamp := regexp.MustCompile(`\d{4}-\d\d-\d\d|[+-]\d\d:\d\d\b|\bUTC\b`)
	for name, rows := range book {
		for i, row := range rows {
			for j, c := range row {
				if s, ok := c[2].(string); ok && c[0] == "s" && stamp.MatchString(s) {
					t.Errorf("%s (%d,%d) holds a time as text: %q", name, i+1, j+1, s)
				}
			}
		}
	}
}
