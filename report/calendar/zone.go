package calendar

import (
	"fmt"
	"time"
)

// LoadZone is the one place an office's or province's zone name becomes a
// location, with one behaviour for a name that is not a zone (empty
// included, which time.LoadLocation would take for UTC): it returns an
// error naming it and, as the location, WIB (Asia/Jakarta), the zone of the
// national registry. A caller that can fail returns the error; one that must
// not (a page being drawn, an alert being sent) goes on in WIB, where
// Indonesians can read the times. The region import validates zones with
// it, so the fallback is for data that bypassed it.
func LoadZone(name string) (*time.Location, error) {
	if name != "" {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc, nil
		}
	}
	return wib(), fmt.Errorf("zone %q: not a known time zone (e.g. Asia/Jakarta, Asia/Makassar, Asia/Jayapura)", name)
}

// wib is Asia/Jakarta, or a fixed UTC+7 named WIB on a machine without the
// zone database.
func wib() *time.Location {
	if loc, err := time.LoadLocation("Asia/Jakarta"); err == nil {
		return loc
	}
	return time.FixedZone("WIB", 7*3600)
}

// ZoneLabel is the name Indonesians give the zone loc at instant at, by the
// offset in force then: WIB (UTC+7), WITA (UTC+8), WIT (UTC+9). Any other
// offset is named by the zone's own abbreviation ("UTC", "IST"). The label
// follows the offset, not the name: Asia/Pontianak is WIB, and so would be
// any other UTC+7 zone. A nil loc is UTC.
func ZoneLabel(loc *time.Location, at time.Time) string {
	if loc == nil {
		loc = time.UTC
	}
	name, off := at.In(loc).Zone()
	switch off {
	case 7 * 3600:
		return "WIB"
	case 8 * 3600:
		return "WITA"
	case 9 * 3600:
		return "WIT"
	}
	return name
}
