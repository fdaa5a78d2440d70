package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pantau-id/pantau/probe/service"
)

// defaultServer is the Pantau server a release was built for
// (-ldflags "-X main.defaultServer=https://…"), so setup need not ask.
var defaultServer = ""

// Minimum Windows: 10 or Server 2016 (both report 10.0). Go's runtime does
// not start on older versions at all; the check names the reason where it
// can still run.
const minWindowsMajor = 10

// checkWindowsVersion refuses a Windows older than 10 / Server 2016.
func checkWindowsVersion(major, minor, build uint32) error {
	if major >= minWindowsMajor {
		return nil
	}
	return fmt.Errorf("versi Windows %d.%d (build %d) terlalu lama: probe Pantau butuh Windows 10, Windows 11 atau Windows Server 2016 ke atas. "+
		"Pasang probe di komputer lain, atau minta bagian TI memperbarui Windows / "+
		"Windows %d.%d is too old: the probe needs Windows 10/11 or Server 2016 or later", major, minor, build, major, minor)
}

// setupCommand is the one step for a person without IT training: as
// Administrator (UAC) or root, copy the program to its place, enrol with
// the one-time code, install and start the service, then check everything
// once and say, in Bahasa Indonesia, what to do about each failure.
func setupCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("pantau-probe setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host, _ := os.Hostname()
	srvDefault := getenv("PANTAU_PROBE_SERVER")
	if srvDefault == "" {
		srvDefault = defaultServer
	}
	server := fs.String("server", srvDefault, "Pantau server `URL` (asked when missing)")
	code := fs.String("code", getenv("PANTAU_PROBE_ENROL_CODE"), "one-time enrolment `CODE` (asked when missing)")
	name := fs.String("name", host, "`NAME` of this probe as the server shows it")
	fs.Usage = func() {
		_, _ = fmt.Fprintf(stdout, "Usage: pantau-probe setup [--server URL] [--code CODE] [--name NAME]\n\n"+
			"Memasang probe dalam satu langkah / installs the probe in one step: needs %s\n"+
			"(on Windows it asks through UAC), copies this program to %s, enrols with the\n"+
			"one-time code, installs and starts the service, then checks the server, the\n"+
			"clock and every target once and prints what to do about each failure.\n"+
			"On Windows, double-clicking pantau-probe.exe does the same.\n\nOptions:\n",
			elevationName(), installedBinary(runtime.GOOS, getenv))
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if code, ok := parseOrExit(fs, args); !ok {
		return code
	}
	say := func(format string, a ...any) { _, _ = fmt.Fprintf(stdout, format+"\n", a...) }
	fail := func(code int, format string, a ...any) int {
		_, _ = fmt.Fprintf(stderr, "GAGAL: "+format+"\n", a...)
		return code
	}
	if runtime.GOOS == "windows" {
		if err := checkWindowsVersion(osVersion()); err != nil {
			return fail(exitFailed, "%v", err)
		}
	}
	if !isElevated() {
		if runtime.GOOS != "windows" {
			return fail(exitUsage, "setup perlu hak root. Jalankan: sudo %s setup / setup needs root: run it with sudo", os.Args[0])
		}
		say("Meminta hak Administrator (jendela UAC)… Lanjutkan di jendela baru.")
		if err := relaunchElevated(append([]string{"setup"}, args...)); err != nil {
			return fail(exitUsage, "tanpa hak Administrator probe tidak bisa dipasang: %v. Klik kanan pantau-probe.exe → Run as administrator.", err)
		}
		return exitOK
	}

	// 1. The program in its place, where users cannot change it.
	exe, err := os.Executable()
	if err != nil {
		return fail(exitFailed, "program ini tidak ditemukan: %v", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	dest := installedBinary(runtime.GOOS, getenv)
	if copied, err := copyExecutable(ctx, exe, dest); err != nil {
		return fail(exitFailed, "menyalin program: %v", err)
	} else if copied {
		say("1. Program disalin ke %s", dest)
	} else {
		say("1. Program sudah ada di %s", dest)
	}

	// 2. The folders locked down before anything secret goes in.
	cfgPath := defaultConfigPath(runtime.GOOS, getenv)
	credFile := defaultCredentialFile(runtime.GOOS, getenv)
	for _, d := range []string{filepath.Dir(cfgPath), defaultStateDir(runtime.GOOS, getenv)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return fail(exitFailed, "membuat folder %s: %v", d, err)
		}
		if err := service.LockDown(d); err != nil {
			return fail(exitFailed, "mengunci folder %s: %v", d, err)
		}
	}
	say("2. Folder %s hanya bisa diubah oleh %s", filepath.Dir(cfgPath), adminsName())

	// 3. Enrolment, unless done already.
	if cred, ok, err := readCredential(credFile); err == nil && ok {
		say("3. Probe ini sudah terdaftar: kantor %s, probe %d (server %s)", cred.Office, cred.ProbeID, cred.Server)
	} else {
		in := bufio.NewReader(os.Stdin)
		if strings.TrimSpace(*server) == "" {
			*server = prompt(in, stdout, "Alamat server Pantau (dari operator, mis. https://pantau.example.go.id): ")
		}
		if strings.TrimSpace(*code) == "" {
			*code = prompt(in, stdout, "Kode pendaftaran (dari operator, mis. K7Q2-9XMD): ")
		}
		if msg := checkServerURL(*server); msg != "" {
			return fail(exitUsage, "alamat server %q: %s", *server, msg)
		}
		owner := defaultServiceUser(runtime.GOOS)
		if owner != "" {
			if err := service.EnsureAccount(ctx, owner); err != nil {
				return fail(exitFailed, "akun layanan: %v", err)
			}
		}
		resp, err := enrolAndKeep(ctx, *server, *code, *name, credFile, owner)
		if err != nil {
			return fail(exitFailed, "pendaftaran: %v", err)
		}
		say("3. Terdaftar sebagai probe %d kantor %s", resp.ProbeID, resp.Office)
	}

	// 4. The service, started; a second setup finds it installed.
	var instOut strings.Builder
	if code := installCommand(ctx, []string{"--bin", dest}, &instOut, &instOut, getenv); code != exitOK {
		if !strings.Contains(instOut.String(), service.ErrInstalled.Error()) {
			return fail(exitFailed, "memasang layanan:\n%s", instOut.String())
		}
		say("4. Layanan %s sudah terpasang", service.DefaultName)
	} else {
		say("4. Layanan %s terpasang dan berjalan (mulai otomatis saat komputer menyala)", service.DefaultName)
	}

	// 5. One round of checks, with what to do.
	say("5. Pemeriksaan:\n")
	cfg, err := LoadConfig(cfgPath, getenv, true)
	if err != nil {
		return fail(exitFailed, "konfigurasi: %v", err)
	}
	if checkIndonesian(ctx, cfg, stdout) {
		say("\nSelesai: semua pemeriksaan OK. Probe berjalan dan mengirim hasil ke server.")
		return exitOK
	}
	say("\nProbe terpasang dan berjalan, tetapi ada pemeriksaan yang GAGAL (lihat di atas).\n" +
		"Hasil tetap disimpan dan dikirim setelah masalahnya diperbaiki. Untuk memeriksa lagi: pantau-probe check")
	return exitFailed
}

// prompt asks one question and returns the trimmed answer.
func prompt(in *bufio.Reader, out io.Writer, q string) string {
	_, _ = fmt.Fprint(out, q)
	line, _ := in.ReadString('\n')
	return strings.TrimSpace(line)
}

// checkServerURL says what is wrong with a server URL, or "".
func checkServerURL(s string) string {
	if !strings.HasPrefix(s, "https://") && !strings.HasPrefix(s, "http://") {
		return "harus diawali https:// / must start with https://"
	}
	if len(strings.TrimRight(strings.TrimPrefix(strings.TrimPrefix(s, "https://"), "http://"), "/")) == 0 {
		return "tanpa nama server / no host"
	}
	return ""
}
