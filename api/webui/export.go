package webui

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/detect"
)

// table is one sheet of a download: a name, a header and rows of cells.
type table struct {
	Name   string
	Header []string
	Rows   [][]any
}

// officeTables are an office report's figures as tables: per day, and the
// outages. CSV carries the first; XLSX carries both as sheets.
func officeTables(d *officeDetail) []table {
	daily := table{Name: "harian", Header: []string{"date", "received", "completed", "backlog", "overtime_hours", "staff_hours",
		"cost_rp", "overdue", "availability_24x7_pct", "down_minutes", "unknown_minutes", "maintenance_minutes"}}
	for _, day := range d.Backlog.Days {
		a, b := day.Date.In(d.Period.Loc, 0), day.Date.AddDays(1).In(d.Period.Loc, 0)
		tl := clip(d.Timeline, a, b)
		tot := detect.Totals(tl)
		avail := any("")
		if share, ok := detect.Availability(tl); ok {
			avail = round2(share * 100)
		}
		daily.Rows = append(daily.Rows, []any{day.Date.String(), day.Received, day.Completed, day.Backlog, day.OvertimeHours,
			day.StaffHours, day.Cost, day.Overdue, avail, minutes(tot["down"]), minutes(tot["unknown"]), minutes(tot["maintenance"])})
	}
	outs := table{Name: "gangguan", Header: []string{"office", "target", "started_at", "ended_at", "duration_minutes", "cause", "in_maintenance"}}
	for _, o := range d.Outages {
		end := ""
		if o.EndedAt != nil {
			end = o.EndedAt.In(d.Period.Loc).Format(time.RFC3339)
		}
		outs.Rows = append(outs.Rows, []any{o.OfficeCode, o.TargetName, o.StartedAt.In(d.Period.Loc).Format(time.RFC3339), end,
			round2(o.DurationSeconds / 60), string(o.Cause), o.InMaintenance})
	}
	return []table{daily, outs}
}

// provinceTables are a province report's figures: per office, then incidents.
func provinceTables(d *provinceDetail) []table {
	offices := table{Name: "kantor", Header: []string{"office", "name", "state", "availability_24x7_pct", "outages", "backlog_end",
		"overtime_hours", "cost_rp"}}
	for _, o := range d.Offices {
		avail := any("")
		if o.Availability != nil {
			avail = round2(*o.Availability * 100)
		}
		offices.Rows = append(offices.Rows, []any{o.Office.Code, o.Office.Name, string(o.State.State), avail, o.Outages, o.Backlog,
			o.OvertimeHours, o.Cost})
	}
	incs := table{Name: "insiden", Header: []string{"id", "started_at", "ended_at", "scope", "peak_offices", "monitored_offices"}}
	for _, i := range d.Incidents {
		end := ""
		if i.EndedAt != nil {
			end = i.EndedAt.Format(time.RFC3339)
		}
		incs.Rows = append(incs.Rows, []any{i.ID, i.StartedAt.Format(time.RFC3339), end, i.Scope, i.PeakOffices, i.MonitoredOffices})
	}
	return []table{offices, incs}
}

// writeCSV writes t as CSV with its header. With sep ';' (?sep=; for a
// spreadsheet set to Indonesian) fractions take a decimal comma: 65,73.
func writeCSV(t table, sep rune) ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = sep
	if err := w.Write(t.Header); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	for _, r := range t.Rows {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = cellString(v)
			if _, frac := v.(float64); frac && sep == ';' {
				rec[i] = strings.Replace(rec[i], ".", ",", 1)
			}
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("csv: %w", err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("csv: %w", err)
	}
	return buf.Bytes(), nil
}

// writeXLSX writes each table as a sheet, numbers as numbers.
func writeXLSX(ts []table) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	for i, t := range ts {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", t.Name); err != nil {
				return nil, fmt.Errorf("xlsx: %w", err)
			}
		} else if _, err := f.NewSheet(t.Name); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		header := make([]any, len(t.Header))
		for j, h := range t.Header {
			header[j] = h
		}
		if err := f.SetSheetRow(t.Name, "A1", &header); err != nil {
			return nil, fmt.Errorf("xlsx: %w", err)
		}
		for r, row := range t.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			row := row
			if err := f.SetSheetRow(t.Name, cell, &row); err != nil {
				return nil, fmt.Errorf("xlsx: %w", err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func cellString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func round2(f float64) float64 { return float64(int64(f*100+0.5)) / 100 }

func minutes(d time.Duration) float64 { return round2(d.Minutes()) }

// csvSep reads ?sep= of a CSV download: ',' (the default) or ';'.
func csvSep(s string) (rune, error) {
	switch s {
	case "", ",":
		return ',', nil
	case ";":
		return ';', nil
	}
	return 0, api.FieldErrorf("sep", "want , or ;, not %q", s)
}
