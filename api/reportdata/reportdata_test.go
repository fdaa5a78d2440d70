package reportdata

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

func TestMergeOutages(t *testing.T) {
	t0 := time.Date(2020, 1, 8, 0, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { v := t0.Add(time.Duration(h) * time.Hour); return &v }
	iv := func(a int, b *time.Time) api.Interval { return api.Interval{Start: *at(a), End: b} }
	tests := []struct {
		name string
		in   []api.Interval
		want string
	}{
		{"apart", []api.Interval{iv(5, at(6)), iv(1, at(2))}, "1-2 5-6"},
		{"two targets see one cut", []api.Interval{iv(1, at(4)), iv(2, at(5))}, "1-5"},
		{"touching", []api.Interval{iv(1, at(2)), iv(2, at(3))}, "1-3"},
		{"inside", []api.Interval{iv(1, at(9)), iv(2, at(3))}, "1-9"},
		{"open absorbs later", []api.Interval{iv(1, nil), iv(3, at(4))}, "1-open"},
		{"closed then open", []api.Interval{iv(1, at(4)), iv(3, nil)}, "1-open"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, o := range merge(tc.in) {
				end := "open"
				if !o.End.IsZero() {
					end = strings.TrimSuffix(o.End.Sub(t0).String(), "h0m0s")
				}
				got = append(got, strings.TrimSuffix(o.Start.Sub(t0).String(), "h0m0s")+"-"+end)
			}
			if strings.Join(got, " ") != tc.want {
				t.Fatalf("merge: %v, want %s", got, tc.want)
			}
		})
	}
}

func TestParseIntakeCSV(t *testing.T) {
	tests := []struct {
		name, file string
		rows       int
		errs       string // line:column, space separated
	}{
		{"header in another order", "type,received,date\nKK,3,2020-01-08\n", 1, ""},
		{"no header", "2020-01-08,KK,3\n2020-01-08,KIA,4,2\n", 2, ""},
		{"header without received", "date,type\n2020-01-08,KK\n", 0, "1:0"},
		{"short line", "date,type,received\n2020-01-08,KK\n", 1, "2:3"},
		{"empty file", "", 0, "1:0"},
		{"every bad cell", "date,type,received,completed\n2020-1-8,,x,-1\n", 1, "2:1 2:2 2:3 2:4"},
		{"byte order mark and semicolons", "\ufeffdate;type;received\n2020-01-08;KK;3\n2020-01-09;KK;x\n", 2, "3:3"},
		{"semicolons without header", "2020-01-08;KK;3;1\n", 1, ""},
		{"bad quote", "date,type,received\n2020-01-08,\"KK,3\n", 0, "2:0"},
		{"a date before 2000", "1900-01-01,KK,3\n", 1, "1:1"},
		{"JSON posted as CSV (the first line fails)", `{"intake":[{"date":"2026-11-30","type":"KK","received":1}]}`, 0, "1:0"},
		{"a date past 2100", "2101-01-01,KK,3\n", 1, "1:1"},
		{"NUL in a type", "2020-01-08,K\x00K,3\n", 1, "1:2"},
		{"invalid UTF-8 in a type", "2020-01-08,K\xffK,3\n", 1, "1:2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, errs, err := parseIntakeCSV(strings.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range errs.List {
				got = append(got, strconv.Itoa(e.Line)+":"+strconv.Itoa(e.Column))
			}
			if strings.Join(got, " ") != tc.errs || len(rows) != tc.rows {
				t.Fatalf("%d rows, errors %v; want %d rows, errors %q (%v)", len(rows), got, tc.rows, tc.errs, errs)
			}
		})
	}
}

// A file of nothing but bad lines lists the first MaxListedErrors and
// counts the rest; a reader that breaks off is an error, not a bad line.
func TestParseIntakeCSVBoundsItsErrors(t *testing.T) {
	var b strings.Builder
	const lines = 5000
	for range lines {
		b.WriteString("x,,y\n")
	}
	_, errs, err := parseIntakeCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(errs.List) != MaxListedErrors || errs.Total != 3*lines || errs.List[0].Line != 1 || errs.List[MaxListedErrors-1].Line != 34 {
		t.Fatalf("listed %d (first line %d, last %d), total %d; want %d listed of %d", len(errs.List), errs.List[0].Line,
			errs.List[len(errs.List)-1].Line, errs.Total, MaxListedErrors, 3*lines)
	}
	if msg := errs.Error(); !strings.Contains(msg, "15000 errors") || !strings.Contains(msg, "and 14900 more") {
		t.Fatalf("message: %.200s", msg)
	}
	var merged CSVErrors
	merged.merge(errs)
	late := CSVErrors{List: []CSVError{{Line: 1, Column: 0}}, Total: 1}
	if merged.merge(late); len(merged.List) != MaxListedErrors || merged.Total != 3*lines+1 || merged.List[0].Column != 0 {
		t.Fatalf("merged: %d listed of %d, first %+v", len(merged.List), merged.Total, merged.List[0])
	}
	broken := io.MultiReader(strings.NewReader("2020-01-08,KK,3\n"), iotest.ErrReader(errors.New("connection reset")))
	if _, _, err := parseIntakeCSV(broken); err == nil || !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("a broken upload: %v", err)
	}
}

func TestSumAvailability(t *testing.T) {
	h := func(n int) calendar.Duration { return calendar.Duration(time.Duration(n) * time.Hour) }
	a := &sla.Report{All: sla.Time{Up: h(90), Down: h(10), Unknown: h(4)}, Outages: 2, Longest: h(6)}
	b := &sla.Report{All: sla.Time{Up: h(70), Down: h(30), Maintenance: h(2)}, Outages: 1, Longest: h(30)}
	got := SumAvailability([]*sla.Report{a, nil, b})
	if got.All.Up != h(160) || got.All.Down != h(40) || got.All.Unknown != h(4) || got.All.Maintenance != h(2) ||
		got.Outages != 3 || got.Longest != h(30) || got.MTTR != h(40)/3 || got.All.Availability == nil || *got.All.Availability != 0.8 {
		t.Fatalf("sum %+v", got)
	}
	if got.WorkingHours.Availability != nil {
		t.Fatalf("working hours measured nothing, got %v", *got.WorkingHours.Availability)
	}
	if SumAvailability([]*sla.Report{nil}) != nil {
		t.Fatal("nothing to sum gave a report")
	}
}

func TestMeasuredText(t *testing.T) {
	m := func(d time.Duration) calendar.Duration { return calendar.Duration(d) }
	short := sla.Time{Up: m(time.Minute), Down: m(3 * time.Minute), Unknown: m(14*24*time.Hour - 4*time.Minute)}
	short.Finish()
	if got := MeasuredText("id", short); got != "diukur 4 mnt dari 14 hari; data belum cukup" {
		t.Errorf("id: %q", got)
	}
	if got := MeasuredText("en", short); got != "measured over 4 min of 14 d; not enough data" {
		t.Errorf("en: %q", got)
	}
	full := sla.Time{Up: m(14*24*time.Hour - time.Hour), Down: m(time.Hour)}
	full.Finish()
	if got := MeasuredText("id", full); got != "diukur 14 hari dari 14 hari" {
		t.Errorf("full: %q", got)
	}
}
