package api

import (
	"strings"
	"time"
	"unicode/utf8"
)

// OfficeLetter is what an office's letter in Tata Naskah Dinas form needs
// that Pantau cannot know: who signs it, where the office is, and how its
// letters are numbered. Empty fields print as dotted lines to fill by hand.
type OfficeLetter struct {
	OfficeCode string `json:"office_code"`
	HeadName   string `json:"head_name"`
	HeadNIP    string `json:"head_nip"`   // 18 digits, spaces allowed
	HeadTitle  string `json:"head_title"` // jabatan under the signature
	Address    string `json:"address"`    // under the kop surat
	Place      string `json:"place"`      // before the date: "Makassar"
	// NumberPattern is the letter number with {bulan} (Roman month) and
	// {tahun}: "470/ ..... /Disdukcapil/{bulan}/{tahun}".
	NumberPattern string     `json:"number_pattern"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}

// Validate names the first field that cannot be stored.
func (l OfficeLetter) Validate() error {
	for _, f := range []struct {
		name, v string
		max     int
	}{{"head_name", l.HeadName, 200}, {"head_title", l.HeadTitle, 200}, {"address", l.Address, 500}, {"place", l.Place, 100}, {"number_pattern", l.NumberPattern, 100}} {
		if utf8.RuneCountInString(f.v) > f.max {
			return FieldErrorf(f.name, "at most %d characters", f.max)
		}
		if strings.ContainsAny(f.v, "\x00\r") {
			return FieldErrorf(f.name, "must not hold control characters")
		}
	}
	digits := 0
	for _, r := range l.HeadNIP {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == ' ':
		default:
			return FieldErrorf("head_nip", "digits only, not %q", r)
		}
	}
	if digits != 0 && digits != 18 {
		return FieldErrorf("head_nip", "a NIP has 18 digits, not %d", digits)
	}
	return nil
}
