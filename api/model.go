package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// IntakeRow is one office date and document type's files: received, and
// completed where the office records it (nil: not recorded).
type IntakeRow struct {
	Date      calendar.Date `json:"date"` // in the office's zone
	Type      string        `json:"type"` // document type code, e.g. KK
	Received  int           `json:"received"`
	Completed *int          `json:"completed"`
}

// MaxIntake bounds one type's count on one day: a typo guard, as the
// busiest offices receive a few hundred files a day.
const MaxIntake = 10000

// MinDate and MaxDate bound every date a caller gives (intake, report
// periods): the registry's SIAK era starts after 2000, and a far date is a
// typo (or a probe for a 500) rather than a plan. The offices' founding
// dates are not in the region data, so 2000 is the floor for all of them.
var (
	MinDate = calendar.D(2000, 1, 1)
	MaxDate = calendar.D(2100, 12, 31)
)

// CheckDate names field when d is outside [MinDate, MaxDate].
func CheckDate(field string, d calendar.Date) error {
	if d.Before(MinDate) || d.After(MaxDate) {
		return FieldErrorf(field, "%s is outside %s to %s", d, MinDate, MaxDate)
	}
	return nil
}

// UnmarshalJSON refuses a row without date, type or received, with one of
// them null (encoding/json would read a missing or null count as 0 files),
// or with a field it does not know.
func (r *IntakeRow) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	for _, k := range []string{"date", "type", "received"} {
		if v, ok := raw[k]; !ok || string(v) == "null" {
			return fmt.Errorf("%q is required and must not be null", k)
		}
	}
	// Decoding through a method loses the caller's DisallowUnknownFields:
	// ask for it again.
	type plain IntakeRow
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode((*plain)(r))
}

// Validate names the first field that is wrong.
func (r IntakeRow) Validate() error {
	switch {
	case r.Date.IsZero():
		return FieldErrorf("date", "is required")
	case CheckDate("date", r.Date) != nil:
		return CheckDate("date", r.Date)
	case r.Type == "":
		return FieldErrorf("type", "is required")
	case CheckLine("type", r.Type, 32) != nil:
		return CheckLine("type", r.Type, 32)
	case r.Received < 0 || r.Received > MaxIntake:
		return FieldErrorf("received", "want a whole number from 0 to %d, not %d", MaxIntake, r.Received)
	case r.Completed != nil && (*r.Completed < 0 || *r.Completed > MaxIntake):
		return FieldErrorf("completed", "want a whole number from 0 to %d, not %d", MaxIntake, *r.Completed)
	}
	return nil
}

// OfficeSettings are what the backlog model needs to know about an office
// besides its zone, catalogue and holidays (migrations/00008_office_model.sql).
type OfficeSettings struct {
	OfficeCode string `json:"office_code"`
	// Staff process documents, in working hours and overtime alike.
	Staff int `json:"staff"`
	// OvertimeCap is the most whole overtime hours on one day (0 to 16).
	OvertimeCap int `json:"overtime_cap"`
	// OvertimeHourly and MealAllowance are whole rupiah per person.
	OvertimeHourly int64 `json:"overtime_hourly"`
	MealAllowance  int64 `json:"meal_allowance"`
	// Work and Counter are the hours per weekday; Counter nil is Work.
	Work    calendar.Week      `json:"work_hours"`
	Counter *calendar.Week     `json:"counter_hours,omitempty"`
	Ramadan []calendar.Ramadan `json:"ramadan"`
	// Recorded is false when the office has no row and these are defaults.
	Recorded  bool       `json:"recorded"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// The office model's defaults, written here once: 4 processing staff, at
// most 4 overtime hours a day, and the seed office's rates (Rp 20.000 an
// overtime hour and Rp 37.000 meal allowance per person, whole rupiah).
const (
	DefaultStaff          = 4
	DefaultOvertimeCap    = 4
	DefaultOvertimeHourly = 20000
	DefaultMealAllowance  = 37000
)

// DefaultOfficeSettings are an office's settings until it records its own:
// the civil-service week (report/calendar) and the defaults above.
// Migration 00008's column defaults mirror these values, but nothing reads
// them: the store writes every column and uses these for an office
// without a row.
func DefaultOfficeSettings(office string) OfficeSettings {
	return OfficeSettings{OfficeCode: office, Staff: DefaultStaff, OvertimeCap: DefaultOvertimeCap,
		OvertimeHourly: DefaultOvertimeHourly, MealAllowance: DefaultMealAllowance,
		Work: calendar.CivilServiceWeek(), Ramadan: []calendar.Ramadan{}}
}

// Validate names the first field that is wrong, using the model's own
// calendar rules for the hours.
func (o OfficeSettings) Validate() error {
	switch {
	case o.Staff < 1 || o.Staff > 1000:
		return FieldErrorf("staff", "want 1 to 1000, not %d", o.Staff)
	case o.OvertimeCap < 0 || o.OvertimeCap > 16:
		return FieldErrorf("overtime_cap", "want 0 to 16 hours, not %d", o.OvertimeCap)
	case o.OvertimeHourly < 0:
		return FieldErrorf("overtime_hourly", "must not be negative")
	case o.MealAllowance < 0:
		return FieldErrorf("meal_allowance", "must not be negative")
	}
	cal := calendar.Calendar{Zone: time.UTC, Work: o.Work, Counter: o.Counter, Ramadan: o.Ramadan}
	if err := cal.Validate(); err != nil {
		return FieldErrorf("work_hours", "%v", err)
	}
	for i := range o.Ramadan {
		for j := range i {
			a, b := o.Ramadan[i], o.Ramadan[j]
			if !a.From.After(b.To) && !b.From.After(a.To) {
				return FieldErrorf(fmt.Sprintf("ramadan[%d]", i), "overlaps ramadan[%d]", j)
			}
		}
	}
	return nil
}

// Interval is a stretch of time; End is nil while it is still open.
type Interval struct {
	Start time.Time  `json:"start"`
	End   *time.Time `json:"end"`
}

// MonthlyReport is one kept monthly report (migrations/00005_web.sql's
// monthly_reports): an office's or a province's month, as it was made.
type MonthlyReport struct {
	Ref       string    // office or province code
	Kind      string    // "office" or "province"
	Month     string    // YYYY-MM
	CreatedAt time.Time // when it was made
}
