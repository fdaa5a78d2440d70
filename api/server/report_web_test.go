package server_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/webui"
)

func TestReportDownloadsCarryTheFigures(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	// Staff record 80 files on 27 November through the office page's form.
	resp, body := f.do(t, "staff71", "POST", "/offices/73.71/intake", url.Values{"date": {"2026-11-27"}, "n_KK": {"50"}, "n_SUKET": {"30"}}, false)
	if resp.StatusCode != see {
		t.Fatalf("intake: %d %.300s", resp.StatusCode, body)
	}
	// 28 November 2026 is a Saturday: the office is closed, the form says so.
	resp, body = f.do(t, "staff71", "POST", "/offices/73.71/intake", url.Values{"date": {"2026-11-28"}, "n_KK": {"5"}}, false)
	if resp.StatusCode != 400 || !strings.Contains(body, "counter hours") {
		t.Fatalf("intake on a Saturday: %d, want 400 naming the closed day", resp.StatusCode)
	}
	resp, body = f.do(t, "city71", "GET", "/reports/offices/73.71/csv?from=2026-11-25&to=2026-11-30", nil, false)
	if resp.StatusCode != ok || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), `pantau-73.71-2026-11-25-2026-11-30.csv`) {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 7 || recs[0][0] != "Tanggal" || recs[0][1] != "Diterima" {
		t.Fatalf("csv has %d rows, header %v; want a header and 6 days", len(recs), recs[0])
	}
	if recs[3][0] != "2026-11-27" || recs[3][1] != "80" || recs[3][2] != "80" {
		t.Errorf("27 November: %v, want 80 received and 80 completed (no outage)", recs[3])
	}
	// ?sep=; for a spreadsheet set to Indonesian: the same figures, ';'
	// between them; anything else is refused naming the field.
	resp, body = f.do(t, "city71", "GET", "/reports/offices/73.71/csv?from=2026-11-25&to=2026-11-30&sep=%3B", nil, false)
	r := csv.NewReader(strings.NewReader(body))
	r.Comma = ';'
	semi, err := r.ReadAll()
	if resp.StatusCode != ok || err != nil || len(semi) != len(recs) || strings.Join(semi[3][:3], "|") != strings.Join(recs[3][:3], "|") {
		t.Fatalf("csv with sep=;: %d %v %v, want the rows of the comma file", resp.StatusCode, err, semi)
	}
	for i, cell := range semi[3] {
		if strings.Contains(cell, ".") {
			t.Errorf("column %s with sep=; holds a decimal point: %q", semi[0][i], cell)
		}
	}
	if resp, body := f.do(t, "city71", "GET", "/reports/offices/73.71/csv?sep=x", nil, false); resp.StatusCode != 400 || !strings.Contains(body, "want , or ;") {
		t.Errorf("sep=x: %d, want 400 naming sep", resp.StatusCode)
	}
	resp, body = f.do(t, "prov73", "GET", "/reports/offices/73.71/xlsx?from=2026-11-25&to=2026-11-30", nil, false)
	if resp.StatusCode != ok {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	x, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatalf("xlsx does not open: %v", err)
	}
	defer x.Close()
	if got := strings.Join(x.GetSheetList(), ","); got != "Ringkasan SLA,Rencana lembur,Harian,Gangguan" {
		t.Errorf("sheets %s, want Ringkasan SLA,Rencana lembur,Harian,Gangguan", got)
	}
	if v, _ := x.GetCellValue("Harian", "B4"); v != "80" {
		t.Errorf("Harian!B4 = %q, want 80", v)
	}
	// The print page is the letter, in the office's zone, with both charts.
	_, body = f.do(t, "staff71", "GET", "/reports/offices/73.71?from=2026-11-25&to=2026-11-30", nil, false)
	for _, want := range []string{"PEMERINTAH KOTA MAKASSAR", "Wali Kota Makassar", "Gubernur Sulawesi Selatan", "Nomor", "Sifat", "Lampiran", "Hal", "Makassar, ", "NIP. ", "Jumlah", "(WITA)", `id="chart_backlog"`, `id="chart_timeline"`, "/static/echarts/5.6.0/echarts.min.js"} {
		if !strings.Contains(body, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	if strings.Contains(body, "Wali Kota Kota") || strings.Contains(body, "Σ") {
		t.Errorf("letter names the \"Wali Kota Kota\" or totals with Σ")
	}
	if strings.Contains(body, "cdn") || strings.Contains(body, "go-echarts.github.io") {
		t.Errorf("letter refers to a CDN")
	}
}

// TestMonthlyJobRunsAtStartThenHourly: the job is a background service;
// on a manual clock its first run makes November's five reports at start,
// and the next, an hour on, finds nothing missing.
func TestMonthlyJobRunsAtStartThenHourly(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	clk := clock.NewManual(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	job := f.server.MonthlyReports(webui.MonthlyConfig{Clock: clk})
	go job.Start(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	count := func() int {
		t.Helper()
		kept, err := f.store.MonthlyReports(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		return len(kept)
	}
	if err := clk.WaitForWaiters(ctx, 1); err != nil {
		t.Fatalf("first run: %v", err)
	}
	if n := count(); n != 5 {
		t.Fatalf("after the first run %d reports kept, want 5", n)
	}
	clk.Advance(time.Hour)
	if err := clk.WaitForWaiters(ctx, 1); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if n := count(); n != 5 {
		t.Fatalf("after the second run %d reports kept, want still 5", n)
	}
	if err := job.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestLetterFromSettings: what the office records on its settings page is
// what its letter prints, in Tata Naskah Dinas form; a bad NIP is refused
// naming the field, and nothing is written.
func TestLetterFromSettings(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	form := url.Values{"head_name": {"Dr. Andi Rahman, M.Si."}, "head_nip": {"19700101 199003 1 004"},
		"head_title": {"Kepala Dinas Kependudukan dan Pencatatan Sipil Kota Makassar"},
		"address":    {"Jl. Jend. Ahmad Yani No. 2, Makassar 90111"}, "number_pattern": {"470/ ..... /Disdukcapil/{bulan}/{tahun}"}}
	if resp, body := f.do(t, "staff71", "POST", "/offices/73.71/settings/letter", form, false); resp.StatusCode != see {
		t.Fatalf("letter settings: %d %.300s", resp.StatusCode, body)
	}
	bad := url.Values{"head_name": {"X"}, "head_nip": {"1970"}}
	if resp, body := f.do(t, "staff71", "POST", "/offices/73.71/settings/letter", bad, false); resp.StatusCode != 400 || !strings.Contains(body, "NIP has 18 digits") {
		t.Fatalf("bad NIP: %d %.300s, want 400 naming the NIP", resp.StatusCode, body)
	}
	_, page := f.do(t, "staff71", "GET", "/offices/73.71/settings", nil, false)
	for _, want := range []string{"Dr. Andi Rahman, M.Si.", "Batas waktu:", "Libur daerah"} {
		if !strings.Contains(page, want) {
			t.Errorf("settings page lacks %q", want)
		}
	}
	_, body := f.do(t, "staff71", "GET", "/reports/offices/73.71?from=2026-11-25&to=2026-11-30", nil, false)
	for _, want := range []string{"Dr. Andi Rahman, M.Si.", "NIP. 19700101 199003 1 004", "Jl. Jend. Ahmad Yani No. 2",
		"470/ ..... /Disdukcapil/", "Hal", "Yth.", "Wali Kota Makassar", "Direktur Jenderal Kependudukan dan Pencatatan Sipil Kementerian Dalam Negeri",
		"Demikian laporan ini kami sampaikan", "25 November 2026 sampai dengan 30 November 2026"} {
		if !strings.Contains(body, want) {
			t.Errorf("letter lacks %q", want)
		}
	}
	if strings.Contains(body, "Andi Rahman, M.Si.</u></b></p><p>NIP. 1970</p>") {
		t.Errorf("the refused NIP was written")
	}
}

func TestMonthlyReportsAreMadeOnce(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	job := f.server.MonthlyReports(webui.MonthlyConfig{})
	n, err := job.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 { // three offices and two provinces, for November 2026
		t.Fatalf("first run made %d reports, want 5", n)
	}
	if n, err = job.RunOnce(context.Background()); err != nil || n != 0 {
		t.Fatalf("second run made %d (%v), want 0: a kept report is never remade", n, err)
	}
	resp, body := f.do(t, "city71", "GET", "/reports/monthly", nil, false)
	if resp.StatusCode != ok || !strings.Contains(body, "2026-11") || !strings.Contains(body, "/reports/monthly/office/73.71/2026-11/xlsx") {
		t.Fatalf("monthly list: %d", resp.StatusCode)
	}
	if strings.Contains(body, "73.72") || strings.Contains(body, "/province/73/") {
		t.Errorf("a city official's list shows another office's or the province's report")
	}
	resp, body = f.do(t, "city71", "GET", "/reports/monthly/office/73.71/2026-11/html", nil, false)
	if resp.StatusCode != ok || !strings.Contains(body, "1 November 2026 – 30 November 2026") {
		t.Fatalf("kept letter: %d, period missing", resp.StatusCode)
	}
}
