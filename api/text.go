package api

import (
	"strings"
	"unicode/utf8"
)

// Bounds on text a caller sends, checked before anything reaches the store
// (PostgreSQL refuses invalid UTF-8 and NUL in text with an error that would
// otherwise surface as a 500).
const (
	MaxName  = 200   // names, codes, e-mail addresses, labels
	MaxParam = 1024  // a path or query parameter, a header value
	MaxText  = 65536 // free text: a result's detail, a maintenance reason
)

// CheckText returns an invalid-input error naming field when s is not valid
// UTF-8, holds a NUL character or is longer than max bytes; nil otherwise.
func CheckText(field, s string, max int) error {
	switch {
	case len(s) > max:
		return FieldErrorf(field, "longer than %d bytes", max)
	case !utf8.ValidString(s):
		return FieldErrorf(field, "not valid UTF-8 text")
	case strings.IndexByte(s, 0) >= 0:
		return FieldErrorf(field, "must not hold a NUL character")
	}
	return nil
}

// CheckLine is CheckText for one-line values (names, codes): control
// characters such as tab and newline are refused as well.
func CheckLine(field, s string, max int) error {
	if err := CheckText(field, s, max); err != nil {
		return err
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return FieldErrorf(field, "must not hold control characters")
	}
	return nil
}
