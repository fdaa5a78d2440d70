package web

import (
	"strings"
	"testing"
	"time"
)

func TestZoneLabel(t *testing.T) {
	tests := []struct{ tz, want string }{
		{"Asia/Jakarta", "WIB"}, {"Asia/Pontianak", "WIB"}, {"Asia/Makassar", "WITA"}, {"Asia/Jayapura", "WIT"}, {"Asia/Makasar", "WIB"},
	}
	for _, tc := range tests {
		if got := ZoneLabel(tc.tz); got != tc.want {
			t.Errorf("ZoneLabel(%q) = %q, want %q", tc.tz, got, tc.want)
		}
	}
}

func TestFormatTimeInOfficeZone(t *testing.T) {
	at := time.Date(2020, 1, 7, 23, 30, 0, 0, time.UTC) // 8 January 07:30 in Makassar
	tests := []struct{ lang, tz, want string }{
		{LangID, "Asia/Makassar", "8 Januari 2020 07.30 WITA"},
		{LangEN, "Asia/Makassar", "8 January 2020 07:30 WITA"},
		{LangID, "Asia/Jakarta", "8 Januari 2020 06.30 WIB"},
		{LangID, "Asia/Jayapura", "8 Januari 2020 08.30 WIT"},
	}
	for _, tc := range tests {
		if got := FormatTime(tc.lang, tc.tz, at); got != tc.want {
			t.Errorf("FormatTime(%s, %s) = %q, want %q", tc.lang, tc.tz, got, tc.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		lang string
		want string
	}{
		{45 * time.Second, LangID, "45 dtk"},
		{12 * time.Minute, LangID, "12 mnt"},
		{3*time.Hour + 5*time.Minute, LangID, "3 jam 5 mnt"},
		{8*24*time.Hour + 90*time.Minute, LangID, "8 hari 1 jam"},
		{3*time.Hour + 5*time.Minute, LangEN, "3 h 5 min"},
	}
	for _, tc := range tests {
		if got := FormatDuration(tc.lang, tc.d); got != tc.want {
			t.Errorf("FormatDuration(%s, %v) = %q, want %q", tc.lang, tc.d, got, tc.want)
		}
	}
}

func TestEveryMessageHasBothLanguages(t *testing.T) {
	for key, m := range messages {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("message %q lacks a language: %q", key, m)
		}
	}
	if T(LangEN, "state.down") != "Down" || T(LangID, "state.down") != "Terputus" || T("xx", "state.down") != "Terputus" {
		t.Errorf("T does not default to Indonesian or switch to English")
	}
	if T(LangID, "no.such.key") != "no.such.key" {
		t.Errorf("a missing key must show itself")
	}
}

func TestEChartsIsEmbeddedLocally(t *testing.T) {
	f, err := Static().Open("echarts/" + EChartsVersion + "/echarts.min.js")
	if err != nil {
		t.Fatalf("echarts.min.js not embedded: %v", err)
	}
	f.Close()
	if _, err := Static().Open("echarts/" + EChartsVersion + "/LICENSE"); err != nil {
		t.Fatalf("ECharts LICENSE not beside it: %v", err)
	}
}
