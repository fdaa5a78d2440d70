package api

import "testing"

func TestCheckText(t *testing.T) {
	tests := []struct {
		name, in  string
		max       int
		text, one bool // valid as text, as a line
	}{
		{"plain", "Kota Makassar", 100, true, true},
		{"indonesian accents and emoji", "Dinas Dukcapil — Pelayanan ✓", 100, true, true},
		{"newline is text not a line", "a\nb", 100, true, false},
		{"tab is text not a line", "a\tb", 100, true, false},
		{"NUL refused", "a\x00b", 100, false, false},
		{"invalid UTF-8 refused", "a\xffb", 100, false, false},
		{"truncated rune refused", "\xe2\x82", 100, false, false},
		{"DEL refused on a line", "a\x7f", 100, true, false},
		{"over the bound", "abcdef", 5, false, false},
		{"at the bound", "abcde", 5, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckText("f", tc.in, tc.max)
			if (err == nil) != tc.text {
				t.Errorf("CheckText(%q) = %v, want valid %v", tc.in, err, tc.text)
			}
			if err != nil && (ErrorField(err) != "f" || ErrorCode(err) != EInvalid) {
				t.Errorf("CheckText(%q) = %v: want an invalid error naming f", tc.in, err)
			}
			if err := CheckLine("f", tc.in, tc.max); (err == nil) != tc.one {
				t.Errorf("CheckLine(%q) = %v, want valid %v", tc.in, err, tc.one)
			}
		})
	}
}
