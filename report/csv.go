package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// minutes writes d in whole minutes (rounded down).
func minutes(d Duration) string { return strconv.FormatInt(int64(time.Duration(d)/time.Minute), 10) }

// daysHeader names the CSV columns after the JSON fields, so the download
// and the API read the same.
var daysHeader = []string{"date", "working", "holiday", "received", "completed", "backlog", "normal",
	"overtime_hours", "staff_hours", "cost", "overdue", "late_completed", "max_lateness_minutes", "on_time", "compliance",
	"projected", "forecast"}

// WriteDaysCSV writes the report's days as CSV, one row per day. Lateness
// is in whole minutes and compliance a share with four decimals (empty when
// nothing was completed) so spreadsheets can sum and chart them.
func (r *Report) WriteDaysCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(daysHeader); err != nil {
		return err
	}
	for _, d := range r.Days {
		compliance := ""
		if d.Compliance != nil {
			compliance = strconv.FormatFloat(*d.Compliance, 'f', 4, 64)
		}
		row := []string{d.Date.String(), strconv.FormatBool(d.Working), d.Holiday,
			strconv.Itoa(d.Received), strconv.Itoa(d.Completed), strconv.Itoa(d.Backlog), strconv.Itoa(d.Normal),
			strconv.Itoa(d.OvertimeHours), strconv.Itoa(d.StaffHours), strconv.FormatInt(d.Cost, 10),
			strconv.Itoa(d.Overdue), strconv.Itoa(d.LateCompleted), minutes(d.MaxLateness),
			strconv.Itoa(d.OnTime), compliance, strconv.FormatBool(d.Projected), strconv.FormatBool(d.Forecast)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// breachHeader names the breach CSV columns.
var breachHeader = []string{"type", "count", "first_arrived", "last_arrived", "deadline", "completed",
	"min_lateness_minutes", "max_lateness_minutes"}

// WriteBreachesCSV writes the breaches as CSV; instants are RFC 3339 UTC,
// completed is the office date (empty while still pending).
func (r *Report) WriteBreachesCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(breachHeader); err != nil {
		return err
	}
	const ts = "2006-01-02T15:04:05Z07:00"
	for _, b := range r.Breaches {
		done := ""
		if !b.Completed.IsZero() {
			done = b.Completed.String()
		}
		row := []string{b.Type, strconv.Itoa(b.Count), b.FirstArrived.UTC().Format(ts), b.LastArrived.UTC().Format(ts),
			b.Deadline.UTC().Format(ts), done,
			minutes(b.MinLateness), minutes(b.MaxLateness)}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
