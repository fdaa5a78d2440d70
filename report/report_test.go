package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/pantau-id/pantau/report/calendar"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares v (a string as it is, anything else as indented JSON)
// with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var got []byte
	if s, ok := v.(string); ok {
		got = []byte(s) // text goldens (CSV) as they are
	} else {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got = append(b, '\n')
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./report/... -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; inspect with -update and git diff", path)
	}
}

func mustBuild(t *testing.T, in Input) *Report {
	t.Helper()
	r, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dayOf(t *testing.T, r *Report, d calendar.Date) Day {
	t.Helper()
	for _, day := range r.Days {
		if day.Date == d {
			return day
		}
	}
	t.Fatalf("no day %s in report", d)
	return Day{}
}

// TestMakassarJanuary2020 is the seed case: the cut from Wednesday 8
// January 07:30 WITA to Thursday 16 January 09:00 WITA. Files received on
// the 8th are due on the 15th while the link is still cut, so no schedule
// keeps the one-week promise for them; the plan works the cap from the end
// of the outage while each hour makes some of those less late (16 January,
// and one hour on the 17th), then none is needed.
func TestMakassarJanuary2020(t *testing.T) {
	r := mustBuild(t, makassarInput(t))
	golden(t, "makassar-2020-01.json", r)

	if r.Feasible {
		t.Error("feasible = true, want false: files of 8 January fall due while the link is cut")
	}
	if r.CapFrom != calendar.D(2020, 1, 16) || r.CapTo != calendar.D(2020, 1, 16) {
		t.Errorf("capped days %s..%s, want 2020-01-16 only", r.CapFrom, r.CapTo)
	}
	tests := []struct {
		name string
		date calendar.Date
		want func(Day) bool
	}{
		{"nothing done while cut", calendar.D(2020, 1, 14), func(d Day) bool { return d.Completed == 0 && d.Backlog == 400 }},
		{"8 January overdue at midnight on the 15th", calendar.D(2020, 1, 15), func(d Day) bool {
			return d.Overdue == 80 && d.MaxLateness.String() == "9h0m0s"
		}},
		{"cap on return day, 4 h × 4 staff × 20000 + 4 meals", calendar.D(2020, 1, 16), func(d Day) bool {
			return d.OvertimeHours == 4 && d.StaffHours == 16 && d.Cost == 16*20000+4*37000
		}},
		// The last 36 late files are done on the 17th; one hour after the
		// working day finishes the last of them, more would help nobody.
		{"one hour the next day, no meal", calendar.D(2020, 1, 17), func(d Day) bool {
			return d.OvertimeHours == 1 && d.LateCompleted == 36 && d.Cost == 4*20000
		}},
		{"no overtime once the rest can be met", calendar.D(2020, 1, 20), func(d Day) bool { return d.OvertimeHours == 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if d := dayOf(t, r, tc.date); !tc.want(d) {
				t.Errorf("%s: %+v", tc.date, d)
			}
		})
	}
	if r.Totals.Late != 168 || r.Totals.MaxLateness.String() != "24h15m0s" || r.Totals.OvertimeHours != 5 || r.Totals.Cost != 16*20000+4*37000+4*20000 {
		t.Errorf("totals %+v, want 168 late by at most 24h15m, 5 hours, cost 548000", r.Totals)
	}
	// Less overtime leaves the backlog above normal a little longer; every
	// file received after the 8th still meets its SLA.
	if r.Clearance == nil || *r.Clearance != calendar.D(2020, 2, 17) {
		t.Errorf("clearance %v, want 2020-02-17", r.Clearance)
	}
}

// TestTodayDone: on Thursday 9 January with the link assumed back on
// Saturday 11 January 07:00, the files received that day queue behind the
// 8th's (1,450 staff-minutes each day, four staff give 1,800 a day from
// Monday): the last of them is done on Tuesday 14 January at 12:15.
func TestTodayDone(t *testing.T) {
	r := mustBuild(t, makassarWhatIf(t))
	if r.TodayDone == nil || !r.TodayDone.Equal(at(2020, 1, 14, 12, 15)) {
		t.Fatalf("today's files done %v, want Tuesday 14 January 12:15 WITA", r.TodayDone)
	}
	in := makassarInput(t) // now: 1 February, a Saturday without files
	if r := mustBuild(t, in); r.TodayDone != nil {
		t.Errorf("no files today, got %v", r.TodayDone)
	}
}

// TestMakassarWhatIfSaturday is the office's question on 9 January: if the
// link is back on Saturday 11 January, as it expected, does the one-week
// promise hold? It does, without any overtime: four staff have a fifth of
// their day spare, enough to clear three days of files inside a week.
func TestMakassarWhatIfSaturday(t *testing.T) {
	r := mustBuild(t, makassarWhatIf(t))
	golden(t, "makassar-whatif-2020-01-11.json", r)
	if !r.Feasible || r.Totals.Late != 0 || r.Totals.OvertimeHours != 0 {
		t.Errorf("feasible %v, late %d, overtime %d; want true, 0, 0", r.Feasible, r.Totals.Late, r.Totals.OvertimeHours)
	}
	if len(r.Outages) != 1 || !r.Outages[0].Assumed || !r.Outages[0].End.Equal(at(2020, 1, 11, 7, 0)) {
		t.Errorf("outages %+v, want one assumed to end 2020-01-11 07:00 WITA", r.Outages)
	}
	if r.Clearance == nil || *r.Clearance != calendar.D(2020, 1, 29) {
		t.Errorf("clearance %v, want 2020-01-29", r.Clearance)
	}
}

func TestCSV(t *testing.T) {
	r := mustBuild(t, makassarInput(t))
	var days, br bytes.Buffer
	if err := r.WriteDaysCSV(&days); err != nil {
		t.Fatal(err)
	}
	if err := r.WriteBreachesCSV(&br); err != nil {
		t.Fatal(err)
	}
	golden(t, "makassar-2020-01-days.csv", days.String())
	lines := bytes.Split(bytes.TrimSpace(days.Bytes()), []byte("\n"))
	if len(lines) != 1+31 {
		t.Fatalf("%d lines, want a header and 31 days", len(lines))
	}
	want := "2020-01-16,true,,80,132,428,0,4,16,468000,28,132,1455,0,0.0000,false,false"
	if got := string(lines[16]); got != want {
		t.Errorf("16 January row\n got %s\nwant %s", got, want)
	}
	if n := bytes.Count(br.Bytes(), []byte("\n")); n != 1+len(r.Breaches) {
		t.Errorf("%d breach lines, want %d", n, 1+len(r.Breaches))
	}
}

func TestByType(t *testing.T) {
	r := mustBuild(t, makassarInput(t))
	tests := []struct {
		code     string
		received int
	}{{"KK", 22 * 35}, {"AKTA-LAHIR", 22 * 30}, {"SUKET", 22 * 15}}
	if len(r.ByType) != len(tests) {
		t.Fatalf("by type %+v, want the three types received", r.ByType)
	}
	late := 0
	for i, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			got := r.ByType[i]
			if got.Type != tc.code || got.Received != tc.received || got.OnTime+got.Late != got.Received {
				t.Errorf("%+v, want %s with %d received", got, tc.code, tc.received)
			}
		})
		late += r.ByType[i].Late
	}
	if late != r.Totals.Late {
		t.Errorf("late by type sum to %d, totals say %d", late, r.Totals.Late)
	}
}
