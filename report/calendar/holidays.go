package calendar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// HolidayKind tells a public holiday from collective leave. Both close the
// office; they are kept apart because reports name them differently.
type HolidayKind string

// Holiday kinds, spelled as in the import format.
const (
	PublicHoliday   HolidayKind = "libur" // hari libur nasional
	CollectiveLeave HolidayKind = "cuti"  // cuti bersama
	// An office's own closed days, set on its calendar page: a regional
	// holiday (libur daerah) or a closure of the office (kantor tutup).
	RegionalHoliday HolidayKind = "daerah"
	OfficeClosure   HolidayKind = "tutup"
)

// Holiday is one closed date of an office's calendar.
type Holiday struct {
	Date Date        `json:"date"`
	Kind HolidayKind `json:"kind"`
	Name string      `json:"name"`
}

// LoadHolidays reads the holiday format, one date a line:
//
//	# comments and blank lines are skipped, and so is a first
//	# "date,kind,name" header line
//	2020-01-01,libur,Tahun Baru 2020 Masehi
//	2020-12-24,cuti,Cuti Bersama Hari Raya Natal
//
// kind is libur (public holiday) or cuti (collective leave); the name is
// the rest of the line and may hold commas. The year comes from each date,
// so one file may hold several years. Loading is all or nothing: on any
// bad line it returns no holidays and an error naming every bad line.
func LoadHolidays(r io.Reader) ([]Holiday, error) {
	var (
		out  []Holiday
		errs []error
		seen = map[Date]int{}
	)
	sc := bufio.NewScanner(r)
	header := true
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.SplitN(line, ",", 3)
		if header && strings.EqualFold(strings.TrimSpace(f[0]), "date") {
			header = false
			continue
		}
		header = false
		if len(f) < 3 {
			errs = append(errs, fmt.Errorf("line %d: want date,kind,name", n))
			continue
		}
		h, err := parseHoliday(f)
		if err != nil {
			errs = append(errs, fmt.Errorf("line %d: %w", n, err))
			continue
		}
		if first, dup := seen[h.Date]; dup {
			errs = append(errs, fmt.Errorf("line %d: date: %s already on line %d", n, h.Date, first))
			continue
		}
		seen[h.Date] = n
		out = append(out, h)
	}
	if err := sc.Err(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

func parseHoliday(f []string) (Holiday, error) {
	d, err := ParseDate(strings.TrimSpace(f[0]))
	if err != nil {
		return Holiday{}, fmt.Errorf("date: %w", err)
	}
	k := HolidayKind(strings.ToLower(strings.TrimSpace(f[1])))
	if k != PublicHoliday && k != CollectiveLeave {
		return Holiday{}, fmt.Errorf("kind: %q is not libur or cuti", f[1])
	}
	name := strings.TrimSpace(f[2])
	if name == "" {
		return Holiday{}, errors.New("name: empty")
	}
	return Holiday{Date: d, Kind: k, Name: name}, nil
}
