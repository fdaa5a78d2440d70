package doctype

import (
	"fmt"
	"strings"
)

// Rule states how s's deadline is worked out, for a report's notes and the
// settings page, in lang ("en" for English, else Bahasa Indonesia). It is
// the rule Deadline applies, word for word.
func (s SLA) Rule(lang string) string {
	en := lang == "en"
	switch s.Kind {
	case Hours:
		if en {
			return fmt.Sprintf("%d working %s: counted in the office's working hours only, from the moment the file is received (a file received 15 minutes before closing has 45 minutes left the next working day).", s.N, plural(s.N, "hour"))
		}
		return fmt.Sprintf("%d jam kerja: dihitung hanya pada jam kerja kantor sejak berkas diterima (berkas yang diterima 15 menit sebelum jam kerja berakhir masih punya 45 menit pada hari kerja berikutnya).", s.N)
	case CalendarDays:
		if en {
			return fmt.Sprintf("%d calendar %s: by the end of working hours on day %d after the day the file is received; when the office is closed that day, by the end of the next working day.", s.N, plural(s.N, "day"), s.N)
		}
		return fmt.Sprintf("%d hari kalender: selesai paling lambat akhir jam kerja pada hari ke-%d setelah hari berkas diterima; bila kantor tutup pada hari itu, akhir jam kerja hari kerja berikutnya.", s.N, s.N)
	case WorkingDays:
		if en {
			return fmt.Sprintf("%d working %s: by the end of working hours on working day %d after the day the file is received (0: the day of receipt, or the next working day when it is closed).", s.N, plural(s.N, "day"), s.N)
		}
		return fmt.Sprintf("%d hari kerja: selesai paling lambat akhir jam kerja pada hari kerja ke-%d setelah hari berkas diterima (0: hari berkas diterima, atau hari kerja berikutnya bila kantor tutup).", s.N, s.N)
	case Periods24h:
		if en {
			return fmt.Sprintf("%d × 24 hours: exactly %d hours after the file is received, nights, weekends and holidays included.", s.N, 24*s.N)
		}
		return fmt.Sprintf("%d × 24 jam: tepat %d jam sejak berkas diterima, termasuk malam, akhir pekan dan hari libur.", s.N, 24*s.N)
	}
	return s.String()
}

// RuleNote is the general statement of the SLA deadline rule (DESIGN.md)
// for a report's notes and the settings page, in lang.
func RuleNote(lang string) string {
	if lang == "en" {
		return "Deadlines: a promise of N calendar or working days ends at the end of working hours on day N after the day the file is received, moved to the next working day when the office is closed that day; N hours are working hours; N × 24 hours is a plain duration. A file finished in overtime after the end of working hours on its deadline day is late."
	}
	return "Batas waktu: janji N hari kalender atau hari kerja berakhir pada akhir jam kerja hari ke-N setelah hari berkas diterima, dan bergeser ke hari kerja berikutnya bila kantor tutup pada hari itu; N jam dihitung dalam jam kerja; N × 24 jam adalah durasi biasa. Berkas yang selesai dalam lembur setelah jam kerja pada hari batas waktunya terhitung terlambat."
}

// Rules states the rule of every SLA in c: one line per distinct SLA of c, in catalogue order,
// with the codes of the types that use it.
func (c Catalogue) Rules(lang string) []string {
	var out []string
	idx := map[SLA]int{}
	var codes [][]string
	var slas []SLA
	for _, t := range c {
		i, ok := idx[t.SLA]
		if !ok {
			i = len(slas)
			idx[t.SLA] = i
			slas = append(slas, t.SLA)
			codes = append(codes, nil)
		}
		codes[i] = append(codes[i], t.Code)
	}
	for i, s := range slas {
		out = append(out, fmt.Sprintf("%s — %s", strings.Join(codes[i], ", "), s.Rule(lang)))
	}
	return out
}

// plural is word with an s unless n is 1 (English only; Indonesian nouns
// do not change).
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
