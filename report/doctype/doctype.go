// Package doctype is the catalogue of civil-registry (adminduk) document
// types: whether each needs the central system, its SLA and the staff time
// it takes, with per-office overrides merged over national defaults.
package doctype

import (
	"errors"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// SLAKind says how an SLA is counted.
type SLAKind string

// SLA kinds.
const (
	// Hours counts working hours only: a 1-hour SLA for a file received at
	// 14:45 on a 07:30-15:00 day falls due at 07:45 the next working day.
	Hours SLAKind = "hours"
	// CalendarDays counts days on the calendar from the day of receipt.
	CalendarDays SLAKind = "calendar_days"
	// WorkingDays counts working days after the day of receipt.
	WorkingDays SLAKind = "working_days"
	// Periods24h is "N × 24 jam": a plain duration from receipt, nights,
	// weekends and holidays included, for offices that promise one.
	Periods24h SLAKind = "periods_24h"
)

// SLA is a promised completion time.
//
// Deadlines of day-counted SLAs fall at the end of a working day's working
// time, because that is when a citizen can last collect the document
// (Rule states the rule for reports and the settings page):
//   - CalendarDays N: the day N calendar days after the day of receipt; if
//     the office is closed that day, the next working day (as legal
//     deadlines move past a closed day). N = 7 for a file received Wednesday
//     8 January 2020 falls due Wednesday 15 January at 15:00.
//   - WorkingDays N: the N-th working day after the day of receipt (the day
//     of receipt does not count, whatever the hour); N = 0 is the day of
//     receipt itself, or the next working day if it is closed.
//
// Overtime worked after the end of the working day on the deadline day is
// therefore too late for documents due that day. Hours count working hours
// only; Periods24h is a plain duration (N × 24 hours from receipt).
type SLA struct {
	Kind SLAKind `json:"kind"` // how N is counted
	N    int     `json:"n"`    // hours or days
}

// Validate checks the kind and that N is usable (at least 1 hour).
func (s SLA) Validate() error {
	switch s.Kind {
	case Hours:
		if s.N < 1 {
			return fmt.Errorf("sla: %d hours, want at least 1", s.N)
		}
	case CalendarDays, WorkingDays:
		if s.N < 0 {
			return fmt.Errorf("sla: %d days, want 0 or more", s.N)
		}
	case Periods24h:
		if s.N < 1 {
			return fmt.Errorf("sla: %d × 24 hours, want at least 1", s.N)
		}
	default:
		return fmt.Errorf("sla: unknown kind %q", s.Kind)
	}
	return nil
}

// Deadline is when a document received at arrived must be complete.
func (s SLA) Deadline(cal *calendar.Calendar, arrived time.Time) time.Time {
	d := cal.Date(arrived)
	switch s.Kind {
	case Hours:
		return cal.AddWorkingTime(arrived, time.Duration(s.N)*time.Hour)
	case CalendarDays:
		return cal.WorkEnd(cal.WorkingDayOnOrAfter(d.AddDays(s.N)))
	case Periods24h:
		return arrived.Add(time.Duration(s.N) * 24 * time.Hour)
	default:
		return cal.WorkEnd(cal.NthWorkingDayAfter(d, s.N))
	}
}

// String writes the SLA for people, in Bahasa Indonesia.
func (s SLA) String() string {
	switch s.Kind {
	case Hours:
		return fmt.Sprintf("%d jam kerja", s.N)
	case CalendarDays:
		return fmt.Sprintf("%d hari kalender", s.N)
	case Periods24h:
		return fmt.Sprintf("%d × 24 jam", s.N)
	default:
		return fmt.Sprintf("%d hari kerja", s.N)
	}
}

// Type is one document type as an office handles it.
type Type struct {
	Code         string `json:"code"`          // stable key, e.g. KK
	Name         string `json:"name"`          // in Bahasa Indonesia
	NeedsCentral bool   `json:"needs_central"` // cannot be finished while the central system is down
	SLA          SLA    `json:"sla"`           // promised completion
	StaffMinutes int    `json:"staff_minutes"` // work per file, for one person
}

// Validate checks a type's fields, naming the first bad one.
func (t Type) Validate() error {
	if t.Code == "" {
		return errors.New("doctype: code: empty")
	}
	if t.Name == "" {
		return fmt.Errorf("doctype %s: name: empty", t.Code)
	}
	if t.StaffMinutes < 1 {
		return fmt.Errorf("doctype %s: staff_minutes: %d, want at least 1", t.Code, t.StaffMinutes)
	}
	if err := t.SLA.Validate(); err != nil {
		return fmt.Errorf("doctype %s: %w", t.Code, err)
	}
	return nil
}
