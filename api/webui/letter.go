package webui

import (
	"fmt"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/web/format"
)

// letter is a report in Tata Naskah Dinas form: kop surat, Nomor, Sifat,
// Lampiran and Hal, place and date, the addressees, the body in
// sentences, the closing paragraph and the signature block.
type letter struct {
	Government string // "PEMERINTAH KOTA MAKASSAR"
	Agency     string
	Address    string
	Number     string
	Nature     string // Sifat
	Attachment string // Lampiran
	Subject    string // Hal
	PlaceDate  string // "Makassar, 7 Desember 2026"
	To         []string
	Body       []string
	Closing    string
	Title      string // jabatan
	Name       string
	NIP        string
}

// Dotted stands for a field the office has not recorded: it is filled by
// hand before the letter is signed.
const dotted = "...................................."

// regionName drops "Kota " or "Kabupaten " from an office's name: the
// head of Kota Makassar is the Wali Kota Makassar, never "Wali Kota Kota
// Makassar".
func regionName(name string) string {
	for _, p := range []string{"Kota ", "Kabupaten ", "Kab. "} {
		if strings.HasPrefix(name, p) {
			return strings.TrimPrefix(name, p)
		}
	}
	return name
}

// headOf is the title of a region's head: Wali Kota for a city, Bupati
// for a regency.
func headOf(o api.Office) string {
	if o.Kind == "kota" {
		return "Wali Kota " + regionName(o.Name)
	}
	return "Bupati " + regionName(o.Name)
}

// romanMonths are the months as letter numbers write them.
var romanMonths = [...]string{"I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII"}

// letterNumber fills {bulan} and {tahun} of pattern for t.
func letterNumber(pattern string, t time.Time) string {
	if pattern == "" {
		pattern = "470/ ..... /Disdukcapil/{bulan}/{tahun}"
	}
	r := strings.NewReplacer("{bulan}", romanMonths[t.Month()-1], "{tahun}", fmt.Sprint(t.Year()))
	return r.Replace(pattern)
}

const (
	agency     = "DINAS KEPENDUDUKAN DAN PENCATATAN SIPIL"
	dirjen     = "Direktur Jenderal Kependudukan dan Pencatatan Sipil Kementerian Dalam Negeri"
	subject    = "Laporan Gangguan Koneksi dan Layanan Administrasi Kependudukan"
	closing    = "Demikian laporan ini kami sampaikan. Atas perhatian dan kerja sama Bapak/Ibu, kami ucapkan terima kasih."
	attachment = "1 (satu) berkas"
)

func orDotted(s string) string {
	if strings.TrimSpace(s) == "" {
		return dotted
	}
	return s
}

// officeLetter writes an office's report as its letter, in Bahasa
// Indonesia (a letter to the government is never in English) and in the
// office's zone.
func officeLetter(d *officeDetail, set api.OfficeLetter, now time.Time) letter {
	const id = format.ID
	loc := d.Period.Loc
	lt := now.In(loc)
	place := set.Place
	if place == "" {
		place = regionName(d.Office.Name)
	}
	l := letter{
		Government: "PEMERINTAH " + strings.ToUpper(d.Office.Name),
		Agency:     agency,
		Address:    set.Address,
		Number:     letterNumber(set.NumberPattern, lt),
		Nature:     "Biasa",
		Attachment: attachment,
		Subject:    subject,
		PlaceDate:  place + ", " + format.Date(id, lt),
		To:         []string{headOf(d.Office), "Gubernur " + d.Province, dirjen},
		Closing:    closing,
		Title:      orDotted(set.HeadTitle),
		Name:       orDotted(set.HeadName),
		NIP:        orDotted(set.HeadNIP),
	}
	if set.HeadTitle == "" {
		l.Title = "Kepala " + titleCase(agency) + " " + d.Office.Name
	}
	from, to := format.Day(id, d.Period.From.Year, d.Period.From.Month, d.Period.From.Day), format.Day(id, d.Period.To.Year, d.Period.To.Month, d.Period.To.Day)
	l.Body = append(l.Body, fmt.Sprintf("Dengan hormat, bersama ini kami laporkan gangguan koneksi %s ke sistem pusat dan dampaknya pada layanan administrasi kependudukan selama periode %s sampai dengan %s (waktu %s).",
		titleCase(agency)+" "+d.Office.Name, from, to, d.Zone))
	s := d.SLA
	switch {
	case s.Outages == 0:
		l.Body = append(l.Body, "Selama periode tersebut tidak tercatat gangguan koneksi ke sistem pusat.")
	default:
		text := fmt.Sprintf("Selama periode tersebut tercatat %s kali gangguan koneksi dengan lama seluruhnya %s; gangguan terlama berlangsung %s.",
			format.Int(id, int64(s.Outages)), format.Duration(id, time.Duration(s.All.Down)), format.Duration(id, time.Duration(s.Longest)))
		if s.All.Availability != nil {
			text += fmt.Sprintf(" Ketersediaan koneksi %s (%s).", format.Percent(id, *s.All.Availability, 2), reportdata.MeasuredText(id, s.All))
		}
		l.Body = append(l.Body, text)
	}
	if d.OpenSince != nil {
		l.Nature = "Penting"
		l.Body = append(l.Body, fmt.Sprintf("Gangguan yang dimulai %s masih berlangsung pada saat surat ini dibuat; angka berikut dihitung %s.",
			format.DateTime(id, d.OpenSince.In(loc)), reportdata.AssumptionText(id, timeOr(d.AssumeEnd), loc)))
	}
	if b := d.Backlog; b != nil {
		t := b.Totals
		peak := 0
		for _, day := range b.Days {
			peak = max(peak, day.Backlog-day.Normal)
		}
		text := fmt.Sprintf("Selama periode tersebut diterima %s berkas permohonan.", format.Int(id, int64(t.Received)))
		if peak > 0 {
			text += fmt.Sprintf(" Akibat gangguan, paling banyak %s berkas tertunda di atas jumlah biasa.", format.Int(id, int64(peak)))
		}
		if t.Late > 0 {
			text += fmt.Sprintf(" Sebanyak %s berkas tidak dapat diselesaikan dalam batas waktu layanan, dengan keterlambatan paling lama %s.",
				format.Int(id, int64(t.Late)), format.Duration(id, time.Duration(t.MaxLateness)))
		} else if t.Received > 0 {
			text += " Seluruh berkas dapat diselesaikan dalam batas waktu layanan."
		}
		l.Body = append(l.Body, text)
		if t.OvertimeHours > 0 {
			text = fmt.Sprintf("Untuk menyelesaikan tunggakan, kami merencanakan lembur %s jam kantor (%s jam orang) dengan biaya %s.",
				format.Int(id, int64(t.OvertimeHours)), format.Int(id, int64(t.StaffHours)), format.Rupiah(id, t.Cost))
		} else {
			text = "Tunggakan dapat diselesaikan tanpa lembur."
		}
		if b.Clearance != nil {
			text += fmt.Sprintf(" Seluruh berkas diperkirakan selesai pada %s.", format.Day(id, b.Clearance.Year, b.Clearance.Month, b.Clearance.Day))
		}
		l.Body = append(l.Body, text)
	}
	if p := d.Promise; p != nil {
		switch {
		case p.Kept && p.Deadline != nil:
			text := fmt.Sprintf("Semua berkas yang sudah diterima masih dapat selesai tepat waktu bila koneksi kembali paling lambat %s", format.DateTime(id, p.Deadline.In(loc)))
			if p.OvertimeHours > 0 {
				text += fmt.Sprintf(", dengan lembur %s jam (%s)", format.Int(id, int64(p.OvertimeHours)), format.Rupiah(id, p.Cost))
			}
			l.Body = append(l.Body, text+".")
		case !p.Kept:
			for _, g := range p.Broken {
				l.Body = append(l.Body, fmt.Sprintf("Janji layanan untuk %s berkas %s yang diterima %s tidak dapat ditepati: terlambat sedikitnya %s bila koneksi kembali %s.",
					format.Int(id, int64(g.Count)), g.Name, format.Day(id, g.Received.Year, g.Received.Month, g.Received.Day),
					format.Duration(id, time.Duration(g.MinLateness)), format.DateTime(id, p.ReturnAt.In(loc))))
			}
		}
	}
	l.Body = append(l.Body, "Rincian ketersediaan, daftar gangguan serta tunggakan dan lembur per hari kami lampirkan bersama surat ini.")
	return l
}

// provinceLetter writes a province's report as the letter of its dinas to
// the governor and the directorate general; who signs it is filled by
// hand.
func provinceLetter(d *provinceDetail, now time.Time) letter {
	const id = format.ID
	lt := now.In(d.Period.Loc)
	t := d.Totals
	from, to := format.Day(id, d.Period.From.Year, d.Period.From.Month, d.Period.From.Day), format.Day(id, d.Period.To.Year, d.Period.To.Month, d.Period.To.Day)
	body := []string{
		fmt.Sprintf("Dengan hormat, bersama ini kami laporkan gangguan koneksi kantor-kantor Dinas Kependudukan dan Pencatatan Sipil kabupaten/kota di Provinsi %s ke sistem pusat selama periode %s sampai dengan %s.", d.Province.Name, from, to),
		fmt.Sprintf("Selama periode tersebut tercatat %s gangguan pada %s kantor; pada akhir periode %s berkas masih tertunda. Rencana lembur seluruhnya %s jam dengan biaya %s.",
			format.Int(id, int64(t.Outages)), format.Int(id, int64(len(d.Offices))), format.Int(id, int64(t.Backlog)), format.Int(id, int64(t.OvertimeHours)), format.Rupiah(id, t.Cost)),
		"Rincian per kantor dan daftar insiden kami lampirkan bersama surat ini.",
	}
	return letter{
		Government: "PEMERINTAH PROVINSI " + strings.ToUpper(d.Province.Name),
		Agency:     agency,
		Number:     letterNumber("", lt),
		Nature:     "Biasa",
		Attachment: attachment,
		Subject:    subject,
		PlaceDate:  dotted + ", " + format.Date(id, lt),
		To:         []string{"Gubernur " + d.Province.Name, dirjen},
		Body:       body,
		Closing:    closing,
		Title:      "Kepala " + titleCase(agency) + " Provinsi " + d.Province.Name,
		Name:       dotted,
		NIP:        dotted,
	}
}

// titleCase writes an upper-case agency name as in running text.
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if w == "dan" && i > 0 {
			continue
		}
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
