package webui

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web/format"
)

// A download is a book of sheets. Each cell's Go type decides how it is
// written, so a number is never text and a date never a string:
//
//	string         text
//	int, int64     a number, built-in format #,##0 (1.234 in an Indonesian Excel)
//	float64        a number, built-in format #,##0.00
//	share          a fraction, built-in format 0.00% (65,73%); CSV: the percentage
//	calendar.Date  a date cell, "d mmmm yyyy" with the language's month names
//	time.Time      a date-time cell, "dd/mm/yyyy hh:mm", at the time's own wall
//	               clock: builders put each time in its office's zone first
//	nil            an empty cell
//
// Built-in number formats are used so the reader's locale draws the
// separators; the date formats carry a language tag ([$-421] Indonesian,
// [$-809] English) so month names follow the file's language.

// share is a fraction (0.6573) shown as a percentage.
type share float64

// sheet is one sheet of a download: a key for ?table=, a name, a header
// and rows of cells.
type sheet struct {
	Key    string
	Name   string
	Header []string
	Rows   [][]any
	// Notes are lines written under the table in the XLSX (a total, the
	// clearance date, the assumption) and left out of the CSV, which stays
	// one rectangular table.
	Notes [][]any
}

// book is a download: its sheets and the one a CSV carries by default.
type book struct {
	Lang   string
	Title  string // the document's title property
	Sheets []sheet
	CSV    string // key of the default CSV sheet
}

// pick is the sheet ?table= asks for ("" is the book's default).
func (b book) pick(key string) (sheet, error) {
	if key == "" {
		key = b.CSV
	}
	keys := make([]string, len(b.Sheets))
	for i, s := range b.Sheets {
		if s.Key == key {
			return s, nil
		}
		keys[i] = s.Key
	}
	return sheet{}, api.FieldErrorf("table", "want one of %s, not %q", strings.Join(keys, ", "), key)
}

// writeCSV writes s as CSV with its header. With sep ';' (?sep=; for a
// spreadsheet set to Indonesian) fractions take a decimal comma: 65,73.
//
// The ';' file is the one made for Excel, which reads a file without a
// byte-order mark in the machine's code page ("24×7" garbled): it starts
// with the UTF-8 mark. The ',' file stays plain UTF-8 for other tools.
func writeCSV(s sheet, sep rune) ([]byte, error) {
	var buf bytes.Buffer
	if sep == ';' {
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	w.Comma = sep
	if err := w.Write(s.Header); err != nil {
		return nil, fmt.Errorf("csv %s: %w", s.Key, err)
	}
	for _, r := range s.Rows {
		rec := make([]string, len(r))
		for i, v := range r {
			rec[i] = csvCell(v, sep == ';')
		}
		if err := w.Write(rec); err != nil {
			return nil, fmt.Errorf("csv %s: %w", s.Key, err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil, fmt.Errorf("csv %s: %w", s.Key, err)
	}
	return buf.Bytes(), nil
}

// csvCell writes one value as a spreadsheet reads it back: dates as
// 2020-01-08, times as 2020-01-08 10:15 (wall clock of the zone named in
// the header or a zone column, never an offset), percentages as 65.73.
func csvCell(v any, comma bool) string {
	num := func(f float64) string {
		s := strconv.FormatFloat(round2(f), 'f', -1, 64)
		if comma {
			s = strings.Replace(s, ".", ",", 1)
		}
		return s
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return num(x)
	case share:
		return num(float64(x) * 100)
	case calendar.Date:
		return x.String()
	case time.Time:
		return x.Format("2006-01-02 15:04")
	}
	return fmt.Sprint(v)
}

// xlsxStyles are the style ids of a book's cell kinds.
type xlsxStyles struct {
	header, integer, decimal, percent, date, datetime, wrap int
}

func newXLSXStyles(f *excelize.File, lang string) (xlsxStyles, error) {
	dateFmt := "[$-421]d mmmm yyyy"
	if lang == format.EN {
		dateFmt = "[$-809]d mmmm yyyy"
	}
	dt := "dd/mm/yyyy hh:mm"
	var s xlsxStyles
	for _, x := range []struct {
		id *int
		st excelize.Style
	}{
		{&s.header, excelize.Style{Font: &excelize.Font{Bold: true}, Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"},
			Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E2EFDA"}}}},
		{&s.integer, excelize.Style{NumFmt: 3}},  // #,##0
		{&s.decimal, excelize.Style{NumFmt: 4}},  // #,##0.00
		{&s.percent, excelize.Style{NumFmt: 10}}, // 0.00%
		{&s.date, excelize.Style{CustomNumFmt: &dateFmt}},
		{&s.datetime, excelize.Style{CustomNumFmt: &dt}},
		{&s.wrap, excelize.Style{Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}}},
	} {
		id, err := f.NewStyle(&x.st)
		if err != nil {
			return s, fmt.Errorf("xlsx style: %w", err)
		}
		*x.id = id
	}
	return s, nil
}

// writeXLSX writes each sheet with its header frozen, numbers as numbers
// and dates as dates, then its notes two rows below the table.
func writeXLSX(b book) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	st, err := newXLSXStyles(f, b.Lang)
	if err != nil {
		return nil, err
	}
	docLang := "id-ID"
	if b.Lang == format.EN {
		docLang = "en-GB"
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: b.Title, Creator: "Pantau", Language: docLang}); err != nil {
		return nil, fmt.Errorf("xlsx properties: %w", err)
	}
	for i, s := range b.Sheets {
		if i == 0 {
			err = f.SetSheetName("Sheet1", s.Name)
		} else {
			_, err = f.NewSheet(s.Name)
		}
		if err != nil {
			return nil, fmt.Errorf("xlsx sheet %s: %w", s.Name, err)
		}
		if err := writeSheet(f, st, s); err != nil {
			return nil, fmt.Errorf("xlsx sheet %s: %w", s.Name, err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func writeSheet(f *excelize.File, st xlsxStyles, s sheet) error {
	widths := make([]int, len(s.Header))
	for j, h := range s.Header {
		if err := setCell(f, st, s.Name, j+1, 1, h); err != nil {
			return err
		}
		widths[j] = max(10, min(len([]rune(h))+2, 28))
	}
	last, _ := excelize.CoordinatesToCellName(max(1, len(s.Header)), 1)
	if err := f.SetCellStyle(s.Name, "A1", last, st.header); err != nil {
		return err
	}
	row := 2
	for _, r := range s.Rows {
		for j, v := range r {
			if err := setCell(f, st, s.Name, j+1, row, v); err != nil {
				return err
			}
			if j < len(widths) {
				widths[j] = max(widths[j], min(cellWidth(v), 60))
			}
		}
		row++
	}
	if len(s.Notes) > 0 {
		row++
	}
	for _, r := range s.Notes {
		for j, v := range r {
			if err := setCell(f, st, s.Name, j+1, row, v); err != nil {
				return err
			}
		}
		row++
	}
	for j, w := range widths {
		col, _ := excelize.ColumnNumberToName(j + 1)
		if err := f.SetColWidth(s.Name, col, col, float64(w)); err != nil {
			return err
		}
	}
	if err := f.SetPanes(s.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	return printSetup(f, s)
}

// printSetup makes a sheet print as an official would file it: A4, as
// wide as the page (landscape for wide tables), the header row repeated on
// every page; tables get a filter on their header.
func printSetup(f *excelize.File, s sheet) error {
	fit := true
	if err := f.SetSheetProps(s.Name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	a4, wide, tall := 9, 1, 0
	orient := "portrait"
	if len(s.Header) > 7 {
		orient = "landscape"
	}
	if err := f.SetPageLayout(s.Name, &excelize.PageLayoutOptions{Size: &a4, Orientation: &orient, FitToWidth: &wide, FitToHeight: &tall}); err != nil {
		return err
	}
	ref := "'" + strings.ReplaceAll(s.Name, "'", "''") + "'"
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", RefersTo: ref + "!$1:$1", Scope: s.Name}); err != nil {
		return err
	}
	if s.Key == "summary" || len(s.Rows) == 0 {
		return nil
	}
	last, _ := excelize.CoordinatesToCellName(len(s.Header), len(s.Rows)+1)
	return f.AutoFilter(s.Name, "A1:"+last, nil)
}

// setCell writes v at (col, row) with the style of its kind.
func setCell(f *excelize.File, st xlsxStyles, name string, col, row int, v any) error {
	cell, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		return err
	}
	style := 0
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		err = f.SetCellStr(name, cell, x)
		if len(x) > 60 {
			style = st.wrap
		}
	case int:
		err, style = f.SetCellInt(name, cell, int64(x)), st.integer
	case int64:
		err, style = f.SetCellInt(name, cell, x), st.integer
	case float64:
		err, style = f.SetCellFloat(name, cell, x, -1, 64), st.decimal
	case share:
		err, style = f.SetCellFloat(name, cell, float64(x), -1, 64), st.percent
	case calendar.Date:
		err, style = f.SetCellFloat(name, cell, excelSerial(x.Year, x.Month, x.Day, 0, 0, 0), -1, 64), st.date
	case time.Time:
		err, style = f.SetCellFloat(name, cell, excelSerial(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second()), -1, 64), st.datetime
	default:
		return fmt.Errorf("cell %s: no kind for %T", cell, v)
	}
	if err != nil || style == 0 {
		return err
	}
	return f.SetCellStyle(name, cell, cell, style)
}

// excelSerial is a wall-clock date and time as Excel's 1900 date number
// (days since 30 December 1899, Lotus's leap day included): no zone, the
// cell shows the wall clock it was given.
func excelSerial(y int, m time.Month, d, hh, mm, ss int) float64 {
	base := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	t := time.Date(y, m, d, hh, mm, ss, 0, time.UTC)
	days := math.Floor(t.Sub(base).Hours() / 24)
	secs := float64(hh*3600 + mm*60 + ss)
	return days + secs/86400
}

// cellWidth is a column width that shows v.
func cellWidth(v any) int {
	switch x := v.(type) {
	case string:
		return len([]rune(x)) + 1
	case calendar.Date:
		return 18
	case time.Time:
		return 17
	}
	return 10
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// minutes is d in minutes, to two places.
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
