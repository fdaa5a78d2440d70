package reportdata

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// The intake CSV format, one office's files per date and document type:
//
//	date,type,received,completed
//	2020-01-08,KK,35,
//	2020-01-08,AKTA-LAHIR,30,12
//
// The header is optional (without it the columns are in this order) and
// may put them in any order; completed may be left out or empty (not
// recorded). Dates are office dates in the office's zone; a date in the
// office's future, a type not in its catalogue, or files on a day without
// counter hours are errors. Semicolons may separate the fields (as
// spreadsheets in an Indonesian locale save them) and a UTF-8 byte order
// mark may lead. An import is all or nothing: every error is
// reported with its line and column, and nothing is written.

// CSVError is one bad cell (or line, Column 0) of an intake file.
type CSVError struct {
	Line    int    `json:"line"`
	Column  int    `json:"column"` // 1-based field number; 0 for the whole line
	Field   string `json:"field"`  // the column's name
	Message string `json:"message"`
}

// String writes the error for people: "line 4, column 2 (type): …".
func (e CSVError) String() string {
	if e.Column == 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Message)
	}
	return fmt.Sprintf("line %d, column %d (%s): %s", e.Line, e.Column, e.Field, e.Message)
}

// MaxListedErrors is how many of a file's errors are listed: past it the
// file is the wrong file, and a megabyte of bad lines must not become tens
// of megabytes of answer.
const MaxListedErrors = 100

// CSVErrors are a file's errors: the first MaxListedErrors by line and
// column, and how many there were in all.
type CSVErrors struct {
	List  []CSVError
	Total int
}

// add counts e and keeps it while the list has room. Callers add in line
// order, so the kept ones are the first; sort keeps them so when two
// passes' errors meet.
func (es *CSVErrors) add(e CSVError) {
	es.Total++
	if len(es.List) < MaxListedErrors {
		es.List = append(es.List, e)
	}
}

// merge adds o's errors to es and keeps the first MaxListedErrors by line.
func (es *CSVErrors) merge(o CSVErrors) {
	es.List = append(es.List, o.List...)
	es.Total += o.Total
	slices.SortStableFunc(es.List, func(a, b CSVError) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	es.List = es.List[:min(len(es.List), MaxListedErrors)]
}

// Error lists the errors, one per line, and says how many were not listed.
func (es CSVErrors) Error() string {
	s := make([]string, len(es.List))
	for i, e := range es.List {
		s[i] = e.String()
	}
	more := ""
	if n := es.Total - len(es.List); n > 0 {
		more = fmt.Sprintf("\n… and %d more", n)
	}
	return fmt.Sprintf("intake file: %d errors, nothing imported:\n%s%s", es.Total, strings.Join(s, "\n"), more)
}

var intakeColumns = []string{"date", "type", "received", "completed"}

// csvRow is a parsed row and where its cells were.
type csvRow struct {
	row  api.IntakeRow
	line int
	col  map[string]int
}

// parseIntakeCSV reads the file's syntax: dates, counts, duplicates.
func parseIntakeCSV(r io.Reader) ([]csvRow, CSVErrors, error) {
	br := bufio.NewReader(r)
	// Spreadsheets save a UTF-8 byte order mark, and with an Indonesian
	// locale separate fields with semicolons (the comma is the decimal
	// sign): accept both.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	if first, _ := br.Peek(4096); bytes.Count(firstLine(first), []byte(";")) > bytes.Count(firstLine(first), []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord, cr.TrimLeadingSpace = -1, true
	var (
		rows []csvRow
		errs CSVErrors
		col  = map[string]int{"date": 0, "type": 1, "received": 2, "completed": 3}
		seen = map[string]int{}
	)
	for first := true; ; first = false {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				// Not the file's syntax: the upload broke off or went over
				// its size limit. Say so, not "line N is wrong".
				return nil, errs, fmt.Errorf("read intake file: %w", err)
			}
			errs.add(CSVError{Line: pe.Line, Message: err.Error()})
			continue
		}
		// Only after a record was read: FieldPos panics when the first
		// record of a file is the one that failed.
		line, _ := cr.FieldPos(0)
		if first && strings.EqualFold(strings.TrimSpace(rec[0]), "date") || first && strings.EqualFold(strings.TrimSpace(rec[0]), "type") {
			col = map[string]int{}
			for i, h := range rec {
				col[strings.ToLower(strings.TrimSpace(h))] = i
			}
			for _, name := range intakeColumns[:3] {
				if _, ok := col[name]; !ok {
					errs.add(CSVError{Line: line, Message: fmt.Sprintf("header: no %q column", name)})
				}
			}
			if errs.Total > 0 {
				return nil, errs, nil
			}
			continue
		}
		cell := func(name string) (string, int, bool) {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return "", i + 1, false
			}
			return strings.TrimSpace(rec[i]), i + 1, true
		}
		bad := func(name, format string, args ...any) {
			_, c, _ := cell(name)
			errs.add(CSVError{Line: line, Column: c, Field: name, Message: fmt.Sprintf(format, args...)})
		}
		cr := csvRow{line: line, col: col}
		if v, _, ok := cell("date"); !ok || v == "" {
			bad("date", "missing; want a date as 2020-01-08")
		} else if d, err := calendar.ParseDate(v); err != nil {
			bad("date", "%q is not a date as 2020-01-08", v)
		} else if err := api.CheckDate("date", d); err != nil {
			bad("date", "%s", api.ErrorMessage(err))
		} else {
			cr.row.Date = d
		}
		if v, _, ok := cell("type"); !ok || v == "" {
			bad("type", "missing; want a document type code such as KK")
		} else if err := api.CheckLine("type", v, 32); err != nil {
			bad("type", "%s", api.ErrorMessage(err))
		} else {
			cr.row.Type = strings.ToUpper(v)
		}
		if v, _, ok := cell("received"); !ok || v == "" {
			bad("received", "missing; want a whole number from 0 to %d", api.MaxIntake)
		} else if n, err := strconv.Atoi(v); err != nil || n < 0 || n > api.MaxIntake {
			bad("received", "%q is not a whole number from 0 to %d", v, api.MaxIntake)
		} else {
			cr.row.Received = n
		}
		if v, _, ok := cell("completed"); ok && v != "" {
			if n, err := strconv.Atoi(v); err != nil || n < 0 || n > api.MaxIntake {
				bad("completed", "%q is not a whole number from 0 to %d (or empty: not recorded)", v, api.MaxIntake)
			} else {
				cr.row.Completed = &n
			}
		}
		if !cr.row.Date.IsZero() && cr.row.Type != "" {
			key := cr.row.Date.String() + " " + cr.row.Type
			if prev, dup := seen[key]; dup {
				bad("type", "%s on %s is also on line %d", cr.row.Type, cr.row.Date, prev)
			}
			seen[key] = line
		}
		rows = append(rows, cr)
	}
	if len(rows) == 0 && errs.Total == 0 {
		errs.add(CSVError{Line: 1, Message: "the file holds no intake rows"})
	}
	return rows, errs, nil
}

// ReadIntakeCSV reads an intake file for office and checks every row
// against its catalogue and calendar and the office's today; it returns
// the rows, or CSVErrors naming every bad line and column.
func (b *Builder) ReadIntakeCSV(ctx context.Context, o api.Office, r io.Reader) ([]api.IntakeRow, error) {
	crs, errs, err := parseIntakeCSV(r)
	if err != nil {
		return nil, err
	}
	rows := make([]api.IntakeRow, len(crs))
	for i, cr := range crs {
		rows[i] = cr.row
	}
	bad, err := b.checkRows(ctx, o, rows)
	if err != nil {
		return nil, err
	}
	var checked CSVErrors
	for _, e := range bad {
		cr := crs[e.index]
		checked.add(CSVError{Line: cr.line, Column: cr.col[e.field] + 1, Field: e.field, Message: e.message})
	}
	if errs.merge(checked); errs.Total > 0 {
		return nil, errs
	}
	return rows, nil
}

// ImportIntakeCSV reads, checks and writes an intake file for office, all
// or nothing; progress hears rows written of the total.
func (b *Builder) ImportIntakeCSV(ctx context.Context, o api.Office, r io.Reader, by int64, progress func(done, total int)) (int, error) {
	rows, err := b.ReadIntakeCSV(ctx, o, r)
	if err != nil {
		return 0, err
	}
	if err := b.store.UpsertIntake(ctx, o.Code, rows, by, b.now(), progress); err != nil {
		return 0, err
	}
	return len(rows), nil
}

// firstLine is b up to its first newline.
func firstLine(b []byte) []byte {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i]
	}
	return b
}
