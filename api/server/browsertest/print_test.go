package browsertest

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// TestReportsPrintOnA4 prints every report: in print media at the A4
// printable width each chart's canvas lies inside the page, and "Unduh
// PDF" gives an A4 document whose pages are kept as PNG (pdftoppm) in
// testoutput/, the Makassar letter among them.
func TestReportsPrintOnA4(t *testing.T) {
	s := newSite(t)
	b := browser(t)
	base := s.srv.URL
	reports := []struct {
		name, user, path string
		charts           []string
		width            int64 // CSS px of the printable width: A4 less 15 mm margins
		landscape        bool
	}{
		{"letter-makassar", "city71", "/reports/offices/73.71", []string{"chart_timeline", "chart_backlog"}, 680, false},
		{"report-province-sulsel", "prov73", "/reports/provinces/73", []string{"chart_heatmap"}, 1009, true},
	}
	for _, r := range reports {
		t.Run(r.name, func(t *testing.T) {
			tb := newTab(t, b)
			tb.login(t, base, s.users[r.user])
			if st := tb.open(t, base+r.path); st != 200 {
				t.Fatalf("%s: status %d", r.path, st)
			}
			body := eval[string](t, tb, `document.body.innerText`)
			for _, want := range []string{"Nomor", "Sifat", "Lampiran", "Hal", "Yth.", "Demikian laporan ini kami sampaikan", "NIP."} {
				if !strings.Contains(body, want) {
					t.Errorf("letter lacks %q", want)
				}
			}
			for _, bad := range []string{"Σ", "Wali Kota Kota", "?"} {
				if strings.Contains(eval[string](t, tb, `document.querySelector('#letter-body').innerText`), bad) {
					t.Errorf("letter body holds %q", bad)
				}
			}
			// The page as printed: print media at the printable width.
			step(t, tb, "emulate A4 print", chromedp.Steps(
				chromedp.EmulateViewport(r.width, 900),
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
					return err
				}),
			))
			eval[bool](t, tb, `Promise.resolve(window.pantauPrintCharts && window.pantauPrintCharts()).then(() => true)`)
			for _, id := range r.charts {
				js := `(() => { const c = document.querySelector('#` + id + ` canvas'); if (!c) return "none";
					const b = c.getBoundingClientRect(); return Math.round(b.left) + " " + Math.round(b.right) + " " + Math.round(b.width); })()`
				got := eval[string](t, tb, js)
				f := strings.Fields(got)
				if len(f) != 3 {
					t.Fatalf("%s: canvas %q", id, got)
				}
				left, _ := strconv.Atoi(f[0])
				right, _ := strconv.Atoi(f[1])
				width, _ := strconv.Atoi(f[2])
				if left < 0 || right > int(r.width) || width < int(r.width)*3/4 {
					t.Errorf("%s printed at [%d, %d] (width %d), want inside [0, %d] and most of it", id, left, right, width, r.width)
				}
			}
			tb.screenshot(t, r.name+"-print")

			// "Unduh PDF": the server's Chromium prints the same document.
			b64 := eval[string](t, tb, `fetch(document.querySelector('#dl-pdf').href).then(r => {
				if (!r.ok) return "status " + r.status;
				return r.arrayBuffer().then(b => { let s = ""; const u = new Uint8Array(b);
					for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
					return btoa(s); });
			})`)
			pdf, err := base64.StdEncoding.DecodeString(b64)
			if err != nil || !strings.HasPrefix(string(pdf), "%PDF-") {
				t.Fatalf("Unduh PDF gave %.80q", b64)
			}
			out := filepath.Join(outputDir(t), r.name+".pdf")
			if err := os.WriteFile(out, pdf, 0o644); err != nil {
				t.Fatal(err)
			}
			checkA4(t, out, r.landscape)
			pages(t, out)
		})
	}
}

// checkA4 reads the PDF's page size with pdfinfo (poppler-utils): A4 is
// 595 × 842 pt; skipped with a log line when poppler is not installed.
func checkA4(t *testing.T, file string, landscape bool) {
	t.Helper()
	if _, err := exec.LookPath("pdfinfo"); err != nil {
		t.Logf("no pdfinfo (poppler-utils, installed by .ci/deps): page size not checked")
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	info, err := exec.CommandContext(ctx, "pdfinfo", file).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`).FindStringSubmatch(string(info))
	if m == nil {
		t.Fatalf("pdfinfo gives no page size: %s", info)
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	if landscape {
		w, h = h, w
	}
	if w < 594 || w > 596 || h < 841 || h > 843 {
		t.Errorf("page %s × %s pt, want A4 (595 × 842)%s", m[1], m[2], map[bool]string{true: " landscape"}[landscape])
	}
	t.Logf("%s: %s", filepath.Base(file), regexp.MustCompile(`Pages:\s+\d+`).FindString(string(info)))
}

// pages writes every page of the PDF as PNG beside it (pdftoppm); skipped
// with a log line when poppler is not installed.
func pages(t *testing.T, file string) {
	t.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		t.Logf("no pdftoppm (poppler-utils, installed by .ci/deps): %s not rendered to PNG", filepath.Base(file))
		return
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "pdftoppm", "-png", "-r", "80", file, strings.TrimSuffix(file, ".pdf")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v %s", err, out)
	}
}
