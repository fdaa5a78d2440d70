package format

import (
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

var (
	monthsID   = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}
	weekdaysID = [...]string{"Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"}
)

// Month is the month's name: "Januari" (id), "January" (en).
func Month(lang string, m time.Month) string {
	if m < time.January || m > time.December {
		return m.String()
	}
	if lang == EN {
		return m.String()
	}
	return monthsID[m-1]
}

// Weekday is the day's name: "Rabu" (id), "Wednesday" (en).
func Weekday(lang string, d time.Weekday) string {
	if lang == EN {
		return d.String()
	}
	return weekdaysID[d%7]
}

// Day writes a civil date: "8 Januari 2020" (id), "8 January 2020" (en).
func Day(lang string, year int, month time.Month, day int) string {
	return fmt.Sprintf("%d %s %d", day, Month(lang, month), year)
}

// Date writes t's date in t's own location: "7 Desember 2026". Convert
// with t.In(loc) first to write it in an office's zone.
func Date(lang string, t time.Time) string {
	y, m, d := t.Date()
	return Day(lang, y, m, d)
}

// LongDate adds the weekday, as letters and promises name a day:
// "Rabu, 15 Januari 2020" (id), "Wednesday, 15 January 2020" (en).
func LongDate(lang string, t time.Time) string {
	return Weekday(lang, t.Weekday()) + ", " + Date(lang, t)
}

// Clock writes t's time of day in t's location: "07.30" (id, the point the
// Indonesian style uses), "07:30" (en).
func Clock(lang string, t time.Time) string {
	sep := "."
	if lang == EN {
		sep = ":"
	}
	return fmt.Sprintf("%02d%s%02d", t.Hour(), sep, t.Minute())
}

// DateTime writes t in its location with the zone's Indonesian label:
// "8 Januari 2020 07.30 WITA".
func DateTime(lang string, t time.Time) string {
	return Date(lang, t) + " " + Clock(lang, t) + " " + Zone(t)
}

// Zone is the Indonesian label of t's zone by its offset at t: WIB
// (UTC+7), WITA (UTC+8), WIT (UTC+9); elsewhere the zone's abbreviation
// (calendar.ZoneLabel).
func Zone(t time.Time) string { return calendar.ZoneLabel(t.Location(), t) }

// Duration writes d to the minute, dropping zero parts: "4 mnt",
// "2 jam 5 mnt", "2 jam", "1 hari 15 mnt" (id); "4 min", "2 h 5 min",
// "1 d 15 min" (en). Under a minute it is "0 mnt"; seconds are not shown
// (every figure Pantau shows is on the minute). Days are 24-hour days;
// a negative duration gets a leading minus.
func Duration(lang string, d time.Duration) string {
	u := [3]string{"hari", "jam", "mnt"}
	if lang == EN {
		u = [3]string{"d", "h", "min"}
	}
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	mins := int64(d / time.Minute)
	parts := [3]int64{mins / (24 * 60), mins / 60 % 24, mins % 60}
	out := ""
	for i, v := range parts {
		if v == 0 {
			continue
		}
		if out != "" {
			out += " "
		}
		out += fmt.Sprintf("%d %s", v, u[i])
	}
	if out == "" {
		out = "0 " + u[2]
	}
	return sign + out
}
