package web

import (
	"fmt"
	"time"

	"github.com/pantau-id/pantau/report/calendar"
)

// Languages. Bahasa Indonesia is the default; English is a switch.
const (
	LangID = "id"
	LangEN = "en"
)

// Lang returns a supported language code for s, defaulting to Indonesian.
func Lang(s string) string {
	if s == LangEN {
		return LangEN
	}
	return LangID
}

// T returns the message key in lang; a missing key shows itself, so a gap
// is visible on the page rather than blank.
func T(lang, key string) string {
	m, ok := messages[key]
	if !ok {
		return key
	}
	if lang == LangEN {
		return m[1]
	}
	return m[0]
}

// ZoneLabel names an office's zone as Indonesians do, WIB, WITA or WIT
// (calendar.ZoneLabel; a bad name is WIB, as calendar.LoadZone says).
func ZoneLabel(tz string) string {
	loc, _ := calendar.LoadZone(tz)
	return calendar.ZoneLabel(loc, time.Now())
}

var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober", "November", "Desember"}

// FormatTime writes t in zone tz with its label: "8 Januari 2020 07.30 WITA"
// (a bad zone name is WIB, as calendar.LoadZone says).
func FormatTime(lang, tz string, t time.Time) string {
	loc, _ := calendar.LoadZone(tz)
	lt := t.In(loc)
	label := calendar.ZoneLabel(loc, t)
	if lang == LangEN {
		return lt.Format("2 January 2006 15:04") + " " + label
	}
	return fmt.Sprintf("%d %s %d %02d.%02d %s", lt.Day(), monthsID[lt.Month()-1], lt.Year(), lt.Hour(), lt.Minute(), label)
}

// FormatDate writes the date of t in zone tz: "8 Januari 2020" (a bad zone
// name is WIB).
func FormatDate(lang, tz string, t time.Time) string {
	loc, _ := calendar.LoadZone(tz)
	lt := t.In(loc)
	if lang == LangEN {
		return lt.Format("2 January 2006")
	}
	return fmt.Sprintf("%d %s %d", lt.Day(), monthsID[lt.Month()-1], lt.Year())
}

// FormatDuration writes d roughly, as people read an age or a length:
// "45 dtk", "12 mnt", "3 jam 5 mnt", "2 hari 4 jam".
func FormatDuration(lang string, d time.Duration) string {
	u := [4]string{"dtk", "mnt", "jam", "hari"}
	if lang == LangEN {
		u = [4]string{"s", "min", "h", "d"}
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d %s", int(d.Seconds()), u[0])
	case d < time.Hour:
		return fmt.Sprintf("%d %s", int(d.Minutes()), u[1])
	case d < 24*time.Hour:
		return fmt.Sprintf("%d %s %d %s", int(d.Hours()), u[2], int(d.Minutes())%60, u[1])
	}
	return fmt.Sprintf("%d %s %d %s", int(d.Hours())/24, u[3], int(d.Hours())%24, u[2])
}
