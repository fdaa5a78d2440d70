package report

import (
	"slices"
	"time"

	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
)

// Day is one office date's figures. A file is pending at the end of a day
// if it arrived before midnight and was not complete by then.
type Day struct {
	Date    calendar.Date `json:"date"`
	Working bool          `json:"working"`           // has working hours (offices only)
	Holiday string        `json:"holiday,omitempty"` // name of the holiday or leave (offices only)
	// Received and Completed count files that day; Backlog is pending at
	// midnight; Normal is what Backlog would be with no outage and no
	// overtime (files received in the last minutes wait for the morning).
	Received  int `json:"received"`
	Completed int `json:"completed"`
	Backlog   int `json:"backlog"`
	Normal    int `json:"normal"`
	// OvertimeHours are planned for the office's staff from
	// OvertimeStart; StaffHours multiplies them by the staff.
	OvertimeHours int       `json:"overtime_hours"`
	OvertimeStart time.Time `json:"overtime_start,omitzero"`
	StaffHours    int       `json:"staff_hours"`
	Cost          int64     `json:"cost"`
	// Overdue are pending at midnight past their deadline; LateCompleted
	// were completed that day after it. MaxLateness is the largest lateness
	// among both (to midnight for the pending ones).
	Overdue       int      `json:"overdue"`
	LateCompleted int      `json:"late_completed"`
	MaxLateness   Duration `json:"max_lateness"`
	// OnTime of the files completed that day met their SLA; Compliance is
	// OnTime / Completed, nil when nothing was completed.
	OnTime     int      `json:"on_time"`
	Compliance *float64 `json:"compliance"`
	// Projected is true when the day's intake (some of it, in an
	// aggregate) is the office's usual intake standing in for none
	// recorded, not files counted. Forecast is true when the day has not
	// ended at Input.Now: its figures are the model's forecast, not a
	// record. Pages mark both.
	Projected bool `json:"projected"`
	Forecast  bool `json:"forecast"`
}

// Breach groups the files of one type with the same deadline that were
// completed late on the same day (or are still pending at the end of the
// simulated horizon). Per-file completions come from backlog.Model.Run.
type Breach struct {
	Type         string        `json:"type"`  // document type code
	Count        int           `json:"count"` // files in the group
	FirstArrived time.Time     `json:"first_arrived"`
	LastArrived  time.Time     `json:"last_arrived"`
	Deadline     time.Time     `json:"deadline"`
	Completed    calendar.Date `json:"completed,omitzero"` // zero: still pending
	// MinLateness and MaxLateness bound the group's lateness; for pending
	// files it is measured to the end of the horizon (a floor).
	MinLateness Duration `json:"min_lateness"`
	MaxLateness Duration `json:"max_lateness"`
}

// dailyFigures computes Day for every simulated day. Counts use difference
// arrays over slot-indexed replays; only late files walk their days, so a
// year costs little.
func dailyFigures(m *backlog.Model, rep, base *backlog.Replay, hours []int, o *Office) []Day {
	days := m.Days()
	n := len(days)
	out := make([]Day, n)
	pend := make([]int, n+1)
	norm := make([]int, n+1)
	for i, d := range days {
		out[i].Date, out[i].Working = d.Date, d.Working
		if h, ok := o.Calendar.Holiday(d.Date); ok {
			out[i].Holiday = h.Name
		}
		if h := hours[i]; h > 0 {
			out[i].OvertimeHours, out[i].OvertimeStart = h, d.OvertimeStart
			out[i].StaffHours = h * o.Staff
			out[i].Cost = cost(d.Date, h, o)
		}
	}
	docs := m.Docs()
	for k := range docs {
		a, c := m.ArrivedDay(k), rep.CompletedDay(k)
		out[a].Received++
		pend[a]++
		pend[c]--
		norm[a]++
		norm[base.CompletedDay(k)]--
		late := rep.Late(k)
		if rep.Done(k) {
			out[c].Completed++
			if !late {
				out[c].OnTime++
				continue
			}
			out[c].LateCompleted++
			out[c].MaxLateness = max(out[c].MaxLateness, Duration(rep.Completed(k).Sub(docs[k].Deadline)))
		}
		// Overdue from the day of the deadline while still pending.
		for i := m.DayIndex(docs[k].Deadline, true); i < c; i++ {
			out[i].Overdue++
			out[i].MaxLateness = max(out[i].MaxLateness, Duration(days[i].End.Sub(docs[k].Deadline)))
		}
	}
	run, runNorm := 0, 0
	for i := range out {
		run += pend[i]
		runNorm += norm[i]
		out[i].Backlog, out[i].Normal = run, runNorm
		if out[i].Completed > 0 {
			v := float64(out[i].OnTime) / float64(out[i].Completed)
			out[i].Compliance = &v
		}
	}
	return out
}

// cost is hours × staff × rate, doubled on weekends, holidays and
// collective leave, plus the meal allowance per person from 2 hours.
func cost(d calendar.Date, hours int, o *Office) int64 {
	rate := o.Rates.Hourly
	_, holiday := o.Calendar.Holiday(d)
	if wd := d.Weekday(); holiday || wd == time.Saturday || wd == time.Sunday {
		rate *= 2
	}
	c := int64(hours) * int64(o.Staff) * rate
	if hours >= 2 {
		c += int64(o.Staff) * o.Rates.Meal
	}
	return c
}

// breaches groups late files received up to the last report day.
func breaches(docs []backlog.Doc, rep *backlog.Replay, o *Office, cutoff, horizon time.Time) []Breach {
	type key struct {
		typ      int
		deadline int64
		done     calendar.Date
	}
	var out []Breach
	idx := map[key]int{}
	for i, d := range docs {
		if !rep.Late(i) || !d.Arrived.Before(cutoff) {
			continue
		}
		var done calendar.Date
		late := Duration(horizon.Sub(d.Deadline))
		if rep.Done(i) {
			at := rep.Completed(i)
			late = Duration(at.Sub(d.Deadline))
			done = o.Calendar.Date(at.Add(-time.Nanosecond))
		}
		k := key{d.Type, d.Deadline.Unix(), done}
		if i, ok := idx[k]; ok {
			b := &out[i]
			b.Count++
			b.LastArrived = d.Arrived
			b.MinLateness, b.MaxLateness = min(b.MinLateness, late), max(b.MaxLateness, late)
			continue
		}
		idx[k] = len(out)
		out = append(out, Breach{Type: o.Types[d.Type].Code, Count: 1, FirstArrived: d.Arrived, LastArrived: d.Arrived,
			Deadline: d.Deadline, Completed: done, MinLateness: late, MaxLateness: late})
	}
	slices.SortStableFunc(out, func(a, b Breach) int {
		if c := a.Deadline.Compare(b.Deadline); c != 0 {
			return c
		}
		return a.FirstArrived.Compare(b.FirstArrived)
	})
	return out
}

// totals sums the report days and the files received in the period.
func totals(days []Day, docs []backlog.Doc, rep *backlog.Replay, cutoff, horizon time.Time) Totals {
	var t Totals
	for _, d := range days {
		t.OvertimeHours += d.OvertimeHours
		t.StaffHours += d.StaffHours
		t.Cost += d.Cost
	}
	for i, d := range docs {
		if !d.Arrived.Before(cutoff) {
			continue
		}
		t.Received++
		switch {
		case !rep.Done(i):
			t.Pending++
			t.Late++
			t.MaxLateness = max(t.MaxLateness, Duration(horizon.Sub(d.Deadline)))
		case rep.Late(i):
			t.Late++
			t.MaxLateness = max(t.MaxLateness, Duration(rep.Completed(i).Sub(d.Deadline)))
		default:
			t.OnTime++
		}
	}
	t.Compliance = 1
	if t.Received > 0 {
		t.Compliance = float64(t.OnTime) / float64(t.Received)
	}
	return t
}

// byType counts the period's files per document type.
func byType(docs []backlog.Doc, rep *backlog.Replay, o *Office, cutoff, horizon time.Time) []TypeTotals {
	all := make([]TypeTotals, len(o.Types))
	for i, d := range docs {
		if !d.Arrived.Before(cutoff) {
			continue
		}
		t := &all[d.Type]
		t.Received++
		if !rep.Late(i) {
			t.OnTime++
			continue
		}
		t.Late++
		late := horizon.Sub(d.Deadline)
		if rep.Done(i) {
			late = rep.Completed(i).Sub(d.Deadline)
		}
		t.MaxLateness = max(t.MaxLateness, Duration(late))
	}
	var out []TypeTotals
	for i, t := range all {
		if t.Received > 0 {
			t.Type, t.Name = o.Types[i].Code, o.Types[i].Name
			out = append(out, t)
		}
	}
	return out
}
