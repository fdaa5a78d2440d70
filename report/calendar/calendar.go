// Package calendar is an office's working calendar: its zone, working and
// counter hours per weekday, a shorter Ramadan schedule by date range, public
// holidays and collective leave, and the working-time arithmetic that SLA
// deadlines use. It imports only the standard library.
package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Span is a stretch of one local day in minutes after midnight, [Start, End).
// A zero Span means closed. Spans are whole 15-minute slots so the backlog
// simulation sees them exactly.
type Span struct {
	Start int `json:"start"`
	End   int `json:"end"`
}

// HM builds a Span from hours and minutes, e.g. HM(7, 30, 15, 0).
func HM(h1, m1, h2, m2 int) Span { return Span{h1*60 + m1, h2*60 + m2} }

// Open reports whether the span has any time in it.
func (s Span) Open() bool { return s.End > s.Start }

// Minutes is the span's length.
func (s Span) Minutes() int { return max(0, s.End-s.Start) }

func (s Span) validate(what string) error {
	if s == (Span{}) {
		return nil
	}
	if s.Start < 0 || s.End > 1440 || s.Start >= s.End {
		return fmt.Errorf("%s: span %d-%d outside one day or empty", what, s.Start, s.End)
	}
	if s.Start%15 != 0 || s.End%15 != 0 {
		return fmt.Errorf("%s: span %d-%d not on 15-minute slots", what, s.Start, s.End)
	}
	return nil
}

// Week holds one span per weekday, indexed by time.Weekday (Sunday = 0).
type Week [7]Span

// UnmarshalJSON takes exactly seven spans, Sunday first: encoding/json
// would quietly fill a short array with closed days and drop extra ones,
// and leave a null as seven closed days (a *Week field takes null as nil
// without asking).
func (w *Week) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return errors.New("a week needs 7 days, not null")
	}
	var spans []Span
	if err := json.Unmarshal(b, &spans); err != nil {
		return err
	}
	if len(spans) != len(w) {
		return fmt.Errorf("a week needs %d days, Sunday first, not %d", len(w), len(spans))
	}
	copy(w[:], spans)
	return nil
}

// CivilServiceWeek is the civil-service default: Monday to Friday from
// 07:30, 37.5 hours a week without breaks, so 07:30-15:00 each day.
func CivilServiceWeek() Week {
	var w Week
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = HM(7, 30, 15, 0)
	}
	return w
}

// RamadanWeek is the shorter Ramadan default: Monday to Friday 08:00-14:30,
// 32.5 hours a week, the total the government's Ramadan circulars set (they
// add a break that this model, having none, folds into the end time).
func RamadanWeek() Week {
	var w Week
	for d := time.Monday; d <= time.Friday; d++ {
		w[d] = HM(8, 0, 14, 30)
	}
	return w
}

// Ramadan is a date range, both ends included, with its own hours.
type Ramadan struct {
	From    Date  `json:"from"`
	To      Date  `json:"to"`
	Work    Week  `json:"work"`
	Counter *Week `json:"counter,omitempty"` // nil: same as Work
}

// Calendar is one office's working calendar. The zero value is not usable;
// fill Zone and Work (see Default) and call Validate.
type Calendar struct {
	Zone     *time.Location   `json:"-"`
	Work     Week             `json:"work"`
	Counter  *Week            `json:"counter,omitempty"` // nil: same as Work
	Ramadan  []Ramadan        `json:"ramadan,omitempty"`
	Holidays map[Date]Holiday `json:"-"`
}

// Default is the civil-service calendar in zone loc, with no holidays.
func Default(loc *time.Location) *Calendar {
	return &Calendar{Zone: loc, Work: CivilServiceWeek(), Holidays: map[Date]Holiday{}}
}

// AddHolidays records holidays, later entries replacing earlier ones on the
// same date.
func (c *Calendar) AddHolidays(hs ...Holiday) {
	if c.Holidays == nil {
		c.Holidays = map[Date]Holiday{}
	}
	for _, h := range hs {
		c.Holidays[h.Date] = h
	}
}

// Validate checks every span and that some weekday has working hours, so
// that deadline arithmetic always ends.
func (c *Calendar) Validate() error {
	if c == nil || c.Zone == nil {
		return errors.New("calendar: zone is required")
	}
	weeks := []struct {
		name string
		w    *Week
	}{{"work", &c.Work}, {"counter", c.Counter}}
	for i := range c.Ramadan {
		r := &c.Ramadan[i]
		if r.To.Before(r.From) {
			return fmt.Errorf("calendar: ramadan[%d]: to %s before from %s", i, r.To, r.From)
		}
		weeks = append(weeks, struct {
			name string
			w    *Week
		}{fmt.Sprintf("ramadan[%d].work", i), &r.Work}, struct {
			name string
			w    *Week
		}{fmt.Sprintf("ramadan[%d].counter", i), r.Counter})
	}
	for _, w := range weeks {
		if w.w == nil {
			continue
		}
		for d, s := range w.w {
			if err := s.validate(fmt.Sprintf("calendar: %s %s", w.name, time.Weekday(d))); err != nil {
				return err
			}
		}
	}
	for _, s := range c.Work {
		if s.Open() {
			return nil
		}
	}
	return errors.New("calendar: work: no weekday has working hours")
}

// weeks returns the work and counter weeks in force on d.
func (c *Calendar) weeks(d Date) (work, counter *Week) {
	work, counter = &c.Work, c.Counter
	for i := range c.Ramadan {
		r := &c.Ramadan[i]
		if !d.Before(r.From) && !d.After(r.To) {
			work, counter = &r.Work, r.Counter
			break
		}
	}
	if counter == nil {
		counter = work
	}
	return work, counter
}

// Holiday returns the holiday or collective leave on d, if any.
func (c *Calendar) Holiday(d Date) (Holiday, bool) {
	h, ok := c.Holidays[d]
	return h, ok
}

// WorkHours is the working span on d: zero on holidays, collective leave
// and weekdays without hours.
func (c *Calendar) WorkHours(d Date) Span {
	if _, ok := c.Holidays[d]; ok {
		return Span{}
	}
	w, _ := c.weeks(d)
	return w[d.Weekday()]
}

// CounterHours is when files are received on d: zero when the office is
// closed, as on holidays.
func (c *Calendar) CounterHours(d Date) Span {
	if _, ok := c.Holidays[d]; ok {
		return Span{}
	}
	_, w := c.weeks(d)
	return w[d.Weekday()]
}

// IsWorkingDay reports whether d has working hours.
func (c *Calendar) IsWorkingDay(d Date) bool { return c.WorkHours(d).Open() }

// RestDayStart is when overtime starts on a day without working hours: the
// usual start of the working day, taken as the earliest weekday start of the
// schedule in force on d (07:30 in the civil-service week).
func (c *Calendar) RestDayStart(d Date) int {
	w, _ := c.weeks(d)
	start := -1
	for _, s := range w {
		if s.Open() && (start < 0 || s.Start < start) {
			start = s.Start
		}
	}
	if start < 0 {
		return c.Work[time.Monday].Start
	}
	return start
}

// Date is the office date of instant t.
func (c *Calendar) Date(t time.Time) Date { return DateOf(t, c.Zone) }

// ZoneLabel is the Indonesian name of the office's zone (WIB, WITA or WIT;
// see the function ZoneLabel). Indonesia's zones have kept their offsets
// since 1988, so any instant since serves; 2020 is the seed case's year.
func (c *Calendar) ZoneLabel() string {
	return ZoneLabel(c.Zone, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
}
