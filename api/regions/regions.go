// Package regions reads Indonesia's provinces and kota/kabupaten from the
// region CSV files (38 provinces, 514 offices), shipped embedded so imports
// and demos work from the binary alone. Errors name the file, line and column.
package regions

import (
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// Embedded holds wilayah-provinsi.csv and wilayah-kabkota.csv.
//
//go:embed data/*.csv
var embedded embed.FS

// Embedded returns the region files shipped in the binary.
func Embedded() fs.FS {
	sub, _ := fs.Sub(embedded, "data")
	return sub
}

// File names inside a region folder.
const (
	ProvincesFile = "wilayah-provinsi.csv"
	OfficesFile   = "wilayah-kabkota.csv"
)

// Load reads both files from fsys and checks that every office's province exists.
func Load(fsys fs.FS) ([]api.Province, []api.Office, error) {
	provinces, err := readFile(fsys, ProvincesFile, parseProvince)
	if err != nil {
		return nil, nil, err
	}
	offices, err := readFile(fsys, OfficesFile, parseOffice)
	if err != nil {
		return nil, nil, err
	}
	known := map[string]bool{}
	for _, p := range provinces {
		known[p.Code] = true
	}
	for i, o := range offices {
		if !known[o.ProvinceCode] {
			return nil, nil, fmt.Errorf("%s line %d column province_code: province %q is not in %s", OfficesFile, i+2, o.ProvinceCode, ProvincesFile)
		}
	}
	return provinces, offices, nil
}

// row gives access to a CSV record by column name, with errors that name them.
type row struct {
	cols   map[string]int
	record []string
}

func (r row) str(col string) (string, error) {
	i, ok := r.cols[col]
	if !ok {
		return "", fmt.Errorf("column %s: missing from the header", col)
	}
	v := strings.TrimSpace(r.record[i])
	if v == "" && col != "capital" && col != "coord_note" {
		return "", fmt.Errorf("column %s: empty", col)
	}
	return v, nil
}

func (r row) float(col string) (float64, error) {
	s, err := r.str(col)
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %q is not a number", col, s)
	}
	return f, nil
}

func (r row) int(col string) (int64, error) {
	s, err := r.str(col)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("column %s: %q is not a whole number", col, s)
	}
	return n, nil
}

func (r row) zone(col string) (string, error) {
	s, err := r.str(col)
	if err != nil {
		return "", err
	}
	if _, err := calendar.LoadZone(s); err != nil {
		return "", fmt.Errorf("column %s: %w", col, err)
	}
	return s, nil
}

func readFile[T any](fsys fs.FS, name string, parse func(row) (T, error)) ([]T, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s line 1: header: %w", name, err)
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.TrimSpace(h)] = i
	}
	var out []T
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s line %d: %w", name, line, err)
		}
		v, err := parse(row{cols: cols, record: rec})
		if err != nil {
			return nil, fmt.Errorf("%s line %d %w", name, line, err)
		}
		out = append(out, v)
	}
	return out, nil
}

func parseProvince(r row) (api.Province, error) {
	var p api.Province
	var err error
	if p.Code, err = r.str("code"); err != nil {
		return p, err
	}
	if len(p.Code) != 2 {
		return p, fmt.Errorf("column code: %q is not a two-digit province code", p.Code)
	}
	if p.Name, err = r.str("name"); err != nil {
		return p, err
	}
	if p.Capital, err = r.str("capital"); err != nil {
		return p, err
	}
	if p.TZ, err = r.zone("tz"); err != nil {
		return p, err
	}
	if p.Lat, err = r.float("lat"); err != nil {
		return p, err
	}
	if p.Lon, err = r.float("lon"); err != nil {
		return p, err
	}
	p.Population, err = r.int("population_2024s2")
	return p, err
}

func parseOffice(r row) (api.Office, error) {
	var o api.Office
	var err error
	if o.Code, err = r.str("code"); err != nil {
		return o, err
	}
	if len(o.Code) != 5 || o.Code[2] != '.' {
		return o, fmt.Errorf("column code: %q is not a Kemendagri code such as 73.71", o.Code)
	}
	if o.Name, err = r.str("name"); err != nil {
		return o, err
	}
	if o.ProvinceCode, err = r.str("province_code"); err != nil {
		return o, err
	}
	if o.Kind, err = r.str("kind"); err != nil {
		return o, err
	}
	if o.Kind != "kota" && o.Kind != "kabupaten" {
		return o, fmt.Errorf("column kind: %q is neither kota nor kabupaten", o.Kind)
	}
	if o.TZ, err = r.zone("tz"); err != nil {
		return o, err
	}
	if o.Lat, err = r.float("lat"); err != nil {
		return o, err
	}
	if o.Lon, err = r.float("lon"); err != nil {
		return o, err
	}
	o.Population, err = r.int("population_2024s2")
	return o, err
}
