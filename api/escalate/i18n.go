package escalate

import (
	"fmt"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web/format"
)

// lexicon holds one language's words. Bahasa Indonesia is the default; the
// English one exists for the national operator's own channels.
type lexicon struct {
	outage, recovered, reminder, digest    string
	offices, since, cause, scope, duration string
	backlog, documents, overtime, cost     string
	clearance, ackButton, ackedBy, ackNote string
	reminderText, recoveredText            string
	retracted, retractedText, reopenedText string
	merged, mergedText, details            string
	maintenance                            string
	late, lateText, unstable, pointerText  string
	planned, plannedText, plannedEnded     string
	promiseKept, promiseBroken             string
	noIncidents, openNow, recoveredToday   string
	causes                                 map[api.Cause]string
	scopes                                 map[string]string
	days, months                           []string
	day, hour, minute                      string
}

var lexicons = map[string]lexicon{
	"id": {
		outage: "Gangguan", recovered: "Pulih", reminder: "Pengingat", digest: "Ringkasan harian",
		offices: "Kantor", since: "Sejak", cause: "Penyebab", scope: "Cakupan", duration: "Durasi",
		backlog: "Tunggakan", documents: "dokumen", overtime: "lembur", cost: "biaya",
		clearance: "perkiraan selesai", ackButton: "Tandai ditangani", ackedBy: "Ditangani oleh",
		ackNote:       "%s menandai gangguan ini sedang ditangani. Pengingat dihentikan.",
		reminderText:  "Gangguan masih berlangsung (%s) dan belum ditangani.",
		recoveredText: "Koneksi pulih setelah %s.",
		retracted:     "Dibatalkan",
		retractedText: "Data yang datang terlambat menunjukkan koneksi tidak terputus; abaikan peringatan ini.",
		merged:        "Digabung",
		details:       "Rincian gangguan",
		mergedText:    "Gangguan ini ternyata bagian dari gangguan #%d; pembaruan selanjutnya ada di pesan gangguan itu.",
		reopenedText:  "Gangguan berlanjut: data yang datang terlambat menunjukkan koneksi belum pulih.",
		maintenance:   "Ada pemeliharaan terencana pada periode ini.",
		late:          "Dilaporkan terlambat",
		lateText:      "Data gangguan ini baru diterima setelah koneksi pulih; tidak ada eskalasi.",
		unstable:      "tidak stabil",
		pointerText:   "Kantor ini kini termasuk gangguan tingkat %s (%d kantor). Pembaruan berikutnya di %s.",
		planned:       "Pemeliharaan terencana",
		plannedText:   "Koneksi terputus di dalam jadwal pemeliharaan yang telah diumumkan; bukan gangguan.",
		plannedEnded:  "Pemeliharaan terencana selesai; koneksi pulih setelah %s.",
		promiseKept:   "*Batas janji layanan (%s):* koneksi harus pulih sebelum %s agar semua berkas tetap tepat waktu, dengan lembur %d jam (%s).",
		promiseBroken: "*Janji layanan terlewati (%s):* %d berkas terlambat walau koneksi pulih sekarang.",
		noIncidents:   "Tidak ada gangguan dalam 24 jam terakhir.",
		openNow:       "Masih terganggu", recoveredToday: "Pulih dalam 24 jam terakhir",
		causes: map[api.Cause]string{api.CauseCentral: "akses ke database pusat terputus",
			api.CauseLocal: "kantor offline (jaringan/listrik setempat)", api.CauseUnknown: "belum diketahui"},
		scopes: map[string]string{api.ScopeOffice: "kantor", api.ScopeProvince: "provinsi", api.ScopeNational: "nasional"},
		days:   []string{"Min", "Sen", "Sel", "Rab", "Kam", "Jum", "Sab"},
		months: []string{"Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"},
		day:    "hari", hour: "jam", minute: "menit",
	},
	"en": {
		outage: "Outage", recovered: "Recovered", reminder: "Reminder", digest: "Daily digest",
		offices: "Offices", since: "Since", cause: "Cause", scope: "Scope", duration: "Duration",
		backlog: "Backlog", documents: "documents", overtime: "overtime", cost: "cost",
		clearance: "expected clearance", ackButton: "Acknowledge", ackedBy: "Acknowledged by",
		ackNote:       "%s acknowledged this outage. Reminders stopped.",
		reminderText:  "The outage is still going on (%s) and nobody has acknowledged it.",
		recoveredText: "The link is back after %s.",
		retracted:     "Withdrawn",
		retractedText: "Late data shows the link was never down; disregard this alert.",
		merged:        "Merged",
		details:       "Outage details",
		mergedText:    "This outage turned out to be part of outage #%d; further updates are on that outage's message.",
		reopenedText:  "The outage is not over: late data shows the link was still down.",
		maintenance:   "A planned maintenance window overlaps this period.",
		late:          "Reported late",
		lateText:      "Data on this outage arrived only after the link was back; not escalated.",
		unstable:      "unstable",
		pointerText:   "This office is now part of a %s-wide outage (%d offices). Further updates in %s.",
		planned:       "Planned maintenance",
		plannedText:   "The link is down inside a declared maintenance window; not an outage.",
		plannedEnded:  "Planned maintenance over; the link is back after %s.",
		promiseKept:   "*Promise deadline (%s):* the link must be back before %s for every file to stay on time, with %d overtime hours (%s).",
		promiseBroken: "*Promise broken (%s):* %d files are late even if the link came back now.",
		noIncidents:   "No outages in the last 24 hours.",
		openNow:       "Still down", recoveredToday: "Recovered in the last 24 hours",
		causes: map[api.Cause]string{api.CauseCentral: "central registry unreachable",
			api.CauseLocal: "office offline (local network or power)", api.CauseUnknown: "not known yet"},
		scopes: map[string]string{api.ScopeOffice: "office", api.ScopeProvince: "province", api.ScopeNational: "national"},
		days:   []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		months: []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
		day:    "d", hour: "h", minute: "min",
	},
}

func lex(lang string) lexicon {
	if l, ok := lexicons[lang]; ok {
		return l
	}
	return lexicons["id"]
}

// when writes t in loc as "Rab 8 Jan 2020 14:00 WITA".
func (l lexicon) when(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%s %d %s %d %02d:%02d %s", l.days[t.Weekday()], t.Day(),
		l.months[t.Month()-1], t.Year(), t.Hour(), t.Minute(), calendar.ZoneLabel(loc, t))
}

// date writes t's calendar day in loc as "20 Jan 2020".
func (l lexicon) date(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%d %s %d", t.Day(), l.months[t.Month()-1], t.Year())
}

// span writes d as "1 hari 2 jam 5 menit", dropping leading zero parts.
func (l lexicon) span(d time.Duration) string {
	d = d.Round(time.Minute)
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", days, l.day))
	}
	if days > 0 || hours > 0 {
		parts = append(parts, fmt.Sprintf("%d %s", hours, l.hour))
	}
	parts = append(parts, fmt.Sprintf("%d %s", mins, l.minute))
	return strings.Join(parts, " ")
}

// rupiah writes n as "Rp 12.345.000" (web/format, shared with the pages).
func rupiah(n int64) string { return format.Rupiah(format.ID, n) }
