// Package format is Pantau's one home for writing numbers, money, dates,
// times and durations for people: Bahasa Indonesia by default (1.234,5;
// 65,73 %; Rp 1.404.000; 8 Januari 2020; 07.30 WITA; 2 jam 5 mnt) and
// English where the user chose it (1,234.5; 65.73%; Rp 1,404,000;
// 8 January 2020; 07:30 WITA; 2 h 5 min). Pages, charts, letters, exports
// and Slack messages all call it, so one figure reads the same everywhere.
// Standard library only.
package format

import (
	"math"
	"strconv"
	"strings"
)

// Languages, as web and escalation spell them.
const (
	ID = "id" // Bahasa Indonesia, the default
	EN = "en" // English
)

// seps are the thousands and decimal separators of lang: Indonesian
// writes 1.234,5, English 1,234.5. Anything but "en" is Indonesian.
func seps(lang string) (thousands, decimal byte) {
	if lang == EN {
		return ',', '.'
	}
	return '.', ','
}

// Int writes n with thousands grouped: 1.839 (id), 1,839 (en).
func Int(lang string, n int64) string {
	th, _ := seps(lang)
	return group(strconv.FormatInt(n, 10), th)
}

// Number writes f rounded to places decimals, thousands grouped:
// Number("id", 1234.5, 1) = "1.234,5". Negative zero is written as 0;
// NaN and infinities as "—" (a figure that cannot be shown).
func Number(lang string, f float64, places int) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "—"
	}
	th, dec := seps(lang)
	s := strconv.FormatFloat(f, 'f', max(0, places), 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	out := group(whole, th)
	if hasFrac {
		out += string(dec) + frac
	}
	return out
}

// Percent writes a ratio (0.6573) as a percentage with places decimals:
// "65,73 %" in Indonesian (a space before the sign, as the Indonesian
// style guides write it), "65.73%" in English.
func Percent(lang string, ratio float64, places int) string {
	s := Number(lang, ratio*100, places)
	if s == "—" {
		return s
	}
	if lang == EN {
		return s + "%"
	}
	return s + " %"
}

// Rupiah writes whole rupiah: "Rp 1.404.000" (id), "Rp 1,404,000" (en);
// a negative amount is "-Rp 5.000".
func Rupiah(lang string, n int64) string {
	th, _ := seps(lang)
	if n < 0 {
		// -n overflows for MinInt64; the digits of n without its sign do not.
		return "-Rp " + group(strings.TrimPrefix(strconv.FormatInt(n, 10), "-"), th)
	}
	return "Rp " + group(strconv.FormatInt(n, 10), th)
}

// group puts sep between every three digits of a decimal integer string
// (with an optional leading minus).
func group(s string, sep byte) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
