package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/agent"
)

// checkIndonesian is the check round of setup, for the person at the
// office: the server, the clock, then every target once, as a table in
// Bahasa Indonesia, followed by what to do about each failure. It reports
// whether everything passed.
func checkIndonesian(ctx context.Context, cfg Config, w io.Writer) bool {
	token, err := cfg.token()
	if err != nil || cfg.Server == "" || token == "" {
		_, _ = fmt.Fprintf(w, "Server: belum terdaftar (%v).\n  Yang dilakukan: jalankan setup lagi dengan kode dari operator.\n", err)
		return false
	}
	s, offset, err := agent.FetchSettings(ctx, agent.Config{Server: cfg.Server, Token: token, Version: version})
	if err != nil {
		_, _ = fmt.Fprintf(w, "Server %s: GAGAL: %v\n  Yang dilakukan: %s\n", cfg.Server, err, serverAdvice(err))
		return false
	}
	_, _ = fmt.Fprintf(w, "Server %s: OK (kantor %s, %d target, setiap %s)\n", cfg.Server, s.Office, len(s.Targets), s.Interval.D())
	ok := true
	if offset.Abs() > time.Minute {
		ok = false
		_, _ = fmt.Fprintf(w, "Jam komputer: GAGAL, selisih %s dari server.\n  Yang dilakukan: setel jam otomatis (Windows: w32tm /resync; Linux: sudo timedatectl set-ntp true).\n",
			offset.Round(time.Second))
	} else {
		_, _ = fmt.Fprintf(w, "Jam komputer: OK (selisih %s)\n", offset.Round(time.Second))
	}
	if len(s.Targets) == 0 {
		_, _ = fmt.Fprintln(w, "Target: server belum punya target untuk kantor ini.\n  Yang dilakukan: minta operator pusat menambah target; probe mengambilnya sendiri.")
		return false
	}
	c := probe.NewChecker(cfg.Timeout.D(), nil)
	results := make([]probe.Result, len(s.Targets))
	var wg sync.WaitGroup
	for i, t := range s.Targets {
		wg.Go(func() { results[i] = c.Run(ctx, t) })
	}
	wg.Wait()
	_, _ = fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	_, _ = fmt.Fprintln(tw, "TARGET\tJENIS\tCEK\tHASIL\tWAKTU\tKETERANGAN")
	var todo []string
	for i, r := range results {
		t := s.Targets[i]
		res, kind := "OK", "pusat"
		if t.Kind == probe.KindInternet {
			kind = "internet"
		}
		if !r.OK {
			ok = false
			res = "GAGAL (" + string(r.Failure) + ")"
			todo = append(todo, fmt.Sprintf("- %s: %s", t.Name, failureAdvice(r.Failure)))
		}
		_, _ = fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f ms\t%s\n", t.Name, kind, t.Check, res, r.LatencyMS, strings.ReplaceAll(r.Detail, "\t", " "))
	}
	_ = tw.Flush()
	if len(todo) > 0 {
		_, _ = fmt.Fprintf(w, "\nYang dilakukan:\n%s\n", strings.Join(todo, "\n"))
	}
	return ok
}

// serverAdvice says what to do when the server cannot be asked.
func serverAdvice(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "401") || strings.Contains(msg, "403"):
		return "probe ini dicabut atau kodenya salah: minta kode baru ke operator pusat, lalu jalankan setup lagi."
	case strings.Contains(msg, "no such host"):
		return "nama server tidak dikenal: periksa alamat server dan DNS komputer ini."
	case strings.Contains(msg, "certificate") || strings.Contains(msg, "x509"):
		return "sertifikat server ditolak: periksa jam komputer; bila kantor memakai proxy yang membuka HTTPS, laporkan ke operator."
	}
	return "periksa sambungan internet dan firewall/proxy kantor ke server (HTTPS, port 443). Probe tetap mengukur dan mengirim nanti."
}

// failureAdvice says what to do about a failed check, by failure class.
func failureAdvice(f probe.Failure) string {
	switch f {
	case probe.FailDNS:
		return "nama server tidak bisa diterjemahkan: periksa DNS komputer (ipconfig /all, resolvectl status)."
	case probe.FailConnect:
		return "jalur ke target tertutup: periksa firewall, rute VPN ke jaringan pusat, dan kabel."
	case probe.FailTLS:
		return "sertifikat ditolak atau kedaluwarsa: ada proxy kantor yang membuka HTTPS? Laporkan ke operator."
	case probe.FailHTTP, probe.FailTimeout:
		return "target menjawab salah atau terlalu lambat: laporkan ke operator (justru ini yang diukur Pantau)."
	}
	return "laporkan ke operator pusat."
}
