package server

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/backlog"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// Intake as office staff enter it on the office page, in office_intake
// (migrations/00005_web.sql). The report layer owns intake in the design;
// until its store lands these two functions are the whole of it.

// intakeOf returns the office's recorded intake over [from, to] and whether
// any was recorded.
func (p *pages) intakeOf(ctx context.Context, o api.Office, from, to calendar.Date) ([]backlog.Intake, bool, error) {
	rows, err := p.s.store.Pool().Query(ctx, `SELECT to_char(day, 'YYYY-MM-DD'), doc_type, received FROM office_intake
		WHERE office_code = $1 AND day BETWEEN $2 AND $3 AND received > 0 ORDER BY day, doc_type`, o.Code, from.String(), to.String())
	if err != nil {
		return nil, false, fmt.Errorf("read intake: %w", err)
	}
	var (
		out   []backlog.Intake
		day   string
		in    backlog.Intake
		types = doctype.Defaults()
		cal   = defaultOffice(o).Calendar
	)
	_, err = pgx.ForEachRow(rows, []any{&day, &in.Type, &in.Count}, func() error {
		d, err := calendar.ParseDate(day)
		if err != nil {
			return err
		}
		// A closed day has no counter hours to spread files over (the
		// form refuses it; this keeps a stray row from breaking the model).
		if _, ok := types.Get(in.Type); ok && cal.CounterHours(d).Open() {
			in.Date = d
			out = append(out, in)
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read intake: %w", err)
	}
	return out, len(out) > 0, nil
}

// maxIntake bounds one type's count on one day (a typo guard: the busiest
// offices receive a few hundred files a day).
const maxIntake = 10000

// postIntake records a day's intake from the office page's form: date and
// one n_<TYPE> field per document type. Office staff of that office only
// (the route checks role and CSRF, this the office). The whole day is
// written or nothing is.
func (p *pages) postIntake(c *gin.Context) error {
	o, err := p.officeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	day, err := calendar.ParseDate(c.PostForm("date"))
	if err != nil {
		return api.FieldErrorf("date", "want a date as 2020-01-08")
	}
	loc := officeLocation(o.TZ)
	if today := calendar.DateOf(p.s.now(), loc); day.After(today) || day.Before(today.AddDays(-maxPeriodDays)) {
		return api.FieldErrorf("date", "%s is in the future or more than a year ago", day)
	}
	// The model spreads a day's files over its counter hours; a day the
	// office is closed has none, so files cannot have been received then.
	if !defaultOffice(o).Calendar.CounterHours(day).Open() {
		return api.FieldErrorf("date", "the office is closed on %s: no files are received that day", day)
	}
	var b pgx.Batch
	for _, t := range doctype.Defaults() {
		v := strings.TrimSpace(c.PostForm("n_" + t.Code))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > maxIntake {
			return api.FieldErrorf("n_"+t.Code, "want a whole number from 0 to %d", maxIntake)
		}
		b.Queue(`INSERT INTO office_intake (office_code, day, doc_type, received, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (office_code, day, doc_type) DO UPDATE SET received = EXCLUDED.received,
				recorded_by = EXCLUDED.recorded_by, recorded_at = EXCLUDED.recorded_at`,
			o.Code, day.String(), t.Code, n, sessionOf(c).User.ID, p.s.now())
	}
	if b.Len() > 0 {
		err := pgx.BeginFunc(c.Request.Context(), p.s.store.Pool(), func(tx pgx.Tx) error {
			return tx.SendBatch(c.Request.Context(), &b).Close()
		})
		if err != nil {
			return fmt.Errorf("record intake: %w", err)
		}
	}
	today := calendar.DateOf(p.s.now(), loc)
	from := minDate(day, today.AddDays(-13))
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/offices/%s?from=%s&to=%s#intake", o.Code, from, today))
	return nil
}
