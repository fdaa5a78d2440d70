package webui

import (
	"github.com/pantau-id/pantau/web"
)

// exportLabels are the sheet names, headers and row labels of downloads:
// key → {Indonesian, English}. The words are the pages' where the pages
// have one (Tunggakan, Jam orang, Perkiraan semua berkas selesai), so a
// figure is called the same on screen, on paper and in the spreadsheet.
var exportLabels = map[string][2]string{
	// sheets
	"sheet.summary":   {"Ringkasan SLA", "SLA summary"},
	"sheet.plan":      {"Rencana lembur", "Overtime plan"},
	"sheet.days":      {"Harian", "Daily"},
	"sheet.outages":   {"Gangguan", "Outages"},
	"sheet.offices":   {"Kantor", "Offices"},
	"sheet.incidents": {"Insiden", "Incidents"},
	// summary columns
	"col.measure": {"Ukuran", "Measure"},
	"col.value":   {"Nilai", "Value"},
	"col.note":    {"Keterangan", "Note"},
	// summary rows
	"sum.office":        {"Kantor", "Office"},
	"sum.province":      {"Provinsi", "Province"},
	"sum.offices":       {"Kantor dipantau", "Offices monitored"},
	"sum.from":          {"Periode dari", "Period from"},
	"sum.to":            {"Periode sampai dengan", "Period to"},
	"sum.zone":          {"Zona waktu", "Time zone"},
	"sum.made":          {"Dibuat", "Made"},
	"sum.received":      {"Berkas diterima", "Files received"},
	"sum.ontime":        {"Selesai tepat waktu", "Done on time"},
	"sum.late":          {"Terlambat", "Late"},
	"sum.late.note":     {"termasuk yang belum selesai pada akhir perhitungan", "including those not done by the end of the model"},
	"sum.pending":       {"Belum selesai pada akhir perhitungan", "Not done by the end of the model"},
	"sum.compliance":    {"Kepatuhan SLA (tepat waktu / diterima)", "SLA compliance (on time / received)"},
	"sum.maxlate":       {"Keterlambatan terbesar (jam)", "Largest lateness (hours)"},
	"sum.coverage24":    {"Cakupan pengukuran 24×7", "Measurement coverage 24×7"},
	"sum.coveragework":  {"Cakupan pengukuran jam kerja", "Measurement coverage in working hours"},
	"sum.coverage.note": {"data belum cukup: cakupan di bawah 90 %", "not enough data: coverage below 90 %"},
	"sum.mtbf.none":     {"hanya dengan dua gangguan atau lebih pada satu kantor", "only with two outages or more at one office"},
	"sum.overtime":      {"Jam lembur", "Overtime hours"},
	"sum.staffhours":    {"Jam orang lembur", "Overtime staff hours"},
	"sum.cost":          {"Biaya lembur (Rp)", "Overtime cost (Rp)"},
	"sum.feasible":      {"Rencana memenuhi semua SLA", "The plan meets every SLA"},
	"sum.backlog":       {"Tunggakan pada akhir periode", "Backlog at the end of the period"},
	"sum.clearance":     {"Perkiraan semua berkas selesai", "Expected clearance of all files"},
	"sum.clearance.none": {"tidak ada gangguan dalam periode, atau tunggakan belum kembali normal dalam perhitungan",
		"no outage in the period, or the backlog is not back to normal within the model"},
	"sum.clearance.last": {"kantor terakhir yang kembali normal", "the last office back to normal"},
	"sum.projected":      {"Hari dengan asupan perkiraan", "Days with projected intake"},
	"sum.projected.note": {"tanpa catatan asupan, perhitungan memakai asupan biasa kantor (bukan nol berkas)", "no intake recorded: the model uses the office's usual intake (not zero files)"},
	"sum.open":           {"Gangguan pusat masih berlangsung sejak", "Central outage open since"},
	"sum.assumption":     {"Asumsi", "Assumption"},
	"sum.promise":        {"Batas waktu koneksi kembali agar semua janji tepat waktu", "Latest return of the link that keeps every promise"},
	"sum.promise.broken": {"janji tidak dapat ditepati lagi: berkas terlambat", "promise can no longer be kept: files late"},
	"sum.promise.late":   {"Berkas terlambat meski koneksi kembali sekarang", "Files late even if the link is back now"},
	"sum.promise.ot":     {"lembur yang diperlukan (jam)", "overtime then needed (hours)"},
	"sum.minutes":        {"(menit)", "(minutes)"},
	"yes":                {"Ya", "Yes"},
	"no":                 {"Tidak", "No"},
	// table columns
	"col.date":        {"Tanggal", "Date"},
	"col.working":     {"Hari kerja", "Working day"},
	"col.holiday":     {"Hari libur", "Holiday"},
	"col.received":    {"Diterima", "Received"},
	"col.completed":   {"Selesai", "Completed"},
	"col.backlog":     {"Tunggakan", "Backlog"},
	"col.normal":      {"Tunggakan normal", "Normal backlog"},
	"col.overtime":    {"Jam lembur", "Overtime hours"},
	"col.otstart":     {"Lembur mulai", "Overtime starts"},
	"col.staffhours":  {"Jam orang", "Staff hours"},
	"col.cost":        {"Biaya (Rp)", "Cost (Rp)"},
	"col.overdue":     {"Lewat batas waktu", "Overdue"},
	"col.ontime":      {"Selesai tepat waktu", "Done on time"},
	"col.avail24":     {"Ketersediaan 24×7 (%)", "Availability 24×7 (%)"},
	"col.coverage":    {"Cakupan pengukuran (%)", "Measurement coverage (%)"},
	"col.down":        {"Terputus (menit)", "Down (minutes)"},
	"col.unknown":     {"Tidak diketahui (menit)", "Unknown (minutes)"},
	"col.maint":       {"Pemeliharaan (menit)", "Maintenance (minutes)"},
	"col.mark":        {"Status angka", "Figures are"},
	"col.recorded":    {"tercatat", "recorded"},
	"col.intake":      {"Asupan", "Intake"},
	"col.closedday":   {"lembur pada hari kantor tutup", "overtime on a day the office is closed"},
	"col.target":      {"Sasaran", "Target"},
	"col.start":       {"Mulai", "Start"},
	"col.end":         {"Selesai", "End"},
	"col.duration":    {"Durasi (menit)", "Duration (minutes)"},
	"col.cause":       {"Penyebab", "Cause"},
	"col.inmaint":     {"Dalam pemeliharaan", "In maintenance"},
	"col.code":        {"Kode", "Code"},
	"col.office":      {"Kantor", "Office"},
	"col.zone":        {"Zona waktu", "Time zone"},
	"col.local":       {"waktu setempat", "local time"},
	"col.state":       {"Status", "State"},
	"col.outages":     {"Jumlah gangguan", "Outages"},
	"col.late":        {"Terlambat", "Late"},
	"col.compliance":  {"Kepatuhan SLA (%)", "SLA compliance (%)"},
	"col.backlogend":  {"Tunggakan akhir periode", "Backlog at period end"},
	"col.clearance":   {"Perkiraan semua berkas selesai", "Expected clearance of all files"},
	"col.opensince":   {"Gangguan pusat sejak (waktu setempat)", "Central outage since (local time)"},
	"col.assumed":     {"Asumsi koneksi kembali (waktu setempat)", "Link assumed back (local time)"},
	"col.id":          {"No.", "No."},
	"col.scope":       {"Cakupan", "Scope"},
	"col.peak":        {"Kantor terdampak (puncak)", "Offices affected (peak)"},
	"col.monitored":   {"Kantor dipantau", "Offices monitored"},
	"col.offices":     {"Kantor terdampak", "Offices affected"},
	"col.ack":         {"Ditangani oleh", "Acknowledged by"},
	"col.ackat":       {"Ditangani pada", "Acknowledged at"},
	"note.total":      {"Jumlah", "Total"},
	"note.noovertime": {"Tidak perlu lembur.", "No overtime needed."},
}

// xl is an export label in lang; a missing key falls back to the pages'
// messages (web.T), which show the key itself when they lack it too.
func xl(lang, key string) string {
	m, ok := exportLabels[key]
	if !ok {
		return web.T(lang, key)
	}
	if lang == web.LangEN {
		return m[1]
	}
	return m[0]
}

// yesNo is a boolean in words.
func yesNo(lang string, b bool) string {
	if b {
		return xl(lang, "yes")
	}
	return xl(lang, "no")
}

// zoned adds the zone label to a time column's header: "Mulai (WITA)".
func zoned(lang, key, zone string) string { return xl(lang, key) + " (" + zone + ")" }
