package webui

import (
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

func TestExcelSerial(t *testing.T) {
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		// Excel's 1 March 1900 is 61 (Lotus's 29 February 1900 counted).
		{"1 March 1900", excelSerial(1900, 3, 1, 0, 0, 0), 61},
		{"1 December 2026", excelSerial(2026, 12, 1, 0, 0, 0), 46357},
		{"1 December 2026 16.00", excelSerial(2026, 12, 1, 16, 0, 0), 46357 + 16.0/24},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := tc.got - tc.want; d > 1e-9 || d < -1e-9 {
				t.Errorf("serial %v, want %v", tc.got, tc.want)
			}
		})
	}
}

func TestCSVCells(t *testing.T) {
	wita := time.FixedZone("WITA", 8*3600)
	at := time.Date(2026, 11, 26, 9, 0, 0, 0, wita)
	tests := []struct {
		name  string
		v     any
		comma bool
		want  string
	}{
		{"count", 1360, false, "1360"},
		{"rupiah", int64(2820000), true, "2820000"},
		{"minutes with a point", 7620.5, false, "7620.5"},
		{"minutes with a comma", 7620.5, true, "7620,5"},
		{"share as a percentage", share(0.612812), false, "61.28"},
		{"share with a comma", share(0.612812), true, "61,28"},
		{"date", calendar.D(2026, 12, 1), true, "2026-12-01"},
		{"time at its own wall clock, no offset", at, false, "2026-11-26 09:00"},
		{"empty", nil, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := csvCell(tc.v, tc.comma); got != tc.want {
				t.Errorf("csvCell(%v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
}

func TestBookPick(t *testing.T) {
	b := book{CSV: "days", Sheets: []sheet{{Key: "summary"}, {Key: "days"}}}
	if s, err := b.pick(""); err != nil || s.Key != "days" {
		t.Errorf("default sheet %q (%v), want days", s.Key, err)
	}
	if s, err := b.pick("summary"); err != nil || s.Key != "summary" {
		t.Errorf("summary: %q (%v)", s.Key, err)
	}
	if _, err := b.pick("x"); err == nil || !strings.Contains(err.Error(), "summary, days") {
		t.Errorf("unknown sheet: %v, want an error naming the sheets", err)
	}
}

func TestXLSXRefusesAnUntypedCell(t *testing.T) {
	b := book{Sheets: []sheet{{Key: "days", Name: "Harian", Header: []string{"Tanggal"}, Rows: [][]any{{struct{}{}}}}}}
	if _, err := writeXLSX(b); err == nil || !strings.Contains(err.Error(), "no kind") {
		t.Errorf("a cell of no known kind: %v, want refused", err)
	}
}
