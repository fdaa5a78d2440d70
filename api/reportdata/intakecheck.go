package reportdata

import (
	"context"
	"fmt"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// CheckIntake checks rows for office as ReadIntakeCSV does, naming the
// first bad one as intake[i].field.
func (b *Builder) CheckIntake(ctx context.Context, o api.Office, rows []api.IntakeRow) error {
	for i, r := range rows {
		if err := r.Validate(); err != nil {
			return api.FieldErrorf(fmt.Sprintf("intake[%d].%s", i, api.ErrorField(err)), "%s", api.ErrorMessage(err))
		}
	}
	bad, err := b.checkRows(ctx, o, rows)
	if err != nil {
		return err
	}
	if len(bad) > 0 {
		e := bad[0]
		return api.FieldErrorf(fmt.Sprintf("intake[%d].%s", e.index, e.field), "%s", e.message)
	}
	return nil
}

// rowError is one row's problem with the office's calendar or catalogue.
type rowError struct {
	index          int
	field, message string
}

// checkRows checks what the syntax cannot: the date against the office's
// today and counter hours, the type against its catalogue.
func (b *Builder) checkRows(ctx context.Context, o api.Office, rows []api.IntakeRow) ([]rowError, error) {
	loc, err := Location(o)
	if err != nil {
		return nil, err
	}
	today := calendar.DateOf(b.now(), loc)
	p := Period{From: today, To: today}
	for _, r := range rows {
		if !r.Date.IsZero() {
			p.From, p.To = minDate(p.From, r.Date), maxDate(p.To, r.Date)
		}
	}
	l, err := load(ctx, b.store.ModelReader(), []api.Office{o}, p, b.now())
	if err != nil {
		return nil, err
	}
	cal, types, err := l.office(o, loc)
	if err != nil {
		return nil, err
	}
	var out []rowError
	for i, r := range rows {
		at := func(field, format string, args ...any) {
			out = append(out, rowError{i, field, fmt.Sprintf(format, args...)})
		}
		d := r.Date
		switch {
		case d.IsZero():
		case d.After(today):
			at("date", "%s is after today (%s) in the office's zone", d, today)
		case r.Received > 0 && !cal.CounterHours(d).Open():
			why := d.String() + " has no counter hours"
			if h, ok := cal.Holiday(d); ok {
				why = fmt.Sprintf("%s is a holiday (%s)", d, h.Name)
			}
			at("date", "%s: no files are received then", why)
		}
		if _, ok := types.Get(r.Type); r.Type != "" && !ok {
			at("type", "%q is not a document type of this office", r.Type)
		}
	}
	return out, nil
}

func minDate(a, b calendar.Date) calendar.Date {
	if b.Before(a) {
		return b
	}
	return a
}

func maxDate(a, b calendar.Date) calendar.Date {
	if b.After(a) {
		return b
	}
	return a
}
