package calendar

import (
	"bytes"
	_ "embed"
	"fmt"
)

// nationalCSV is Indonesia's national holidays and collective leave,
// 2019-2027; its header names the decrees each year follows.
//
//go:embed data/holidays-id.csv
var nationalCSV []byte

// National returns the shipped national holidays and collective leave
// (data/holidays-id.csv, 2019-2027), by date. Years whose decree is not
// known to the file are marked in it (2027: estimates, no collective
// leave); an import of a year replaces it.
func National() ([]Holiday, error) {
	hs, err := LoadHolidays(bytes.NewReader(nationalCSV))
	if err != nil {
		return nil, fmt.Errorf("shipped holidays (report/calendar/data/holidays-id.csv): %w", err)
	}
	return hs, nil
}
