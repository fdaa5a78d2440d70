package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestInstallDryRunPrintsUnit(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the systemd unit is printed on Linux")
	}
	dir := t.TempDir()
	path := writeConfig(t, "server: https://pantau.example.go.id\ntoken: t\nspool_dir: /srv/pantau/spool\n")
	var out, errOut bytes.Buffer
	args := []string{"install", "--dry-run", "--config", path, "--bin", "/usr/local/bin/pantau-probe"}
	if code := run(context.Background(), args, &out, &errOut, env{"PANTAU_PROBE_CREDENTIAL_FILE": filepath.Join(dir, "none")}.get); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"# /etc/systemd/system/pantau-probe.service\n",
		"ExecStart=/usr/local/bin/pantau-probe run --config " + path + "\n",
		"Restart=on-failure\n", "User=pantau-probe\n", "ReadWritePaths=/srv/pantau\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "ReadWritePaths=/srv/pantau/spool") {
		t.Errorf("the spool is inside /srv/pantau, writable already:\n%s", out.String())
	}
	// The test's config is under /tmp, which the unit's PrivateTmp hides.
	if !strings.Contains(errOut.String(), "the config "+path+" is under a folder the service cannot see") {
		t.Errorf("no warning about the config's folder: %s", errOut.String())
	}
}

// TestInstallDryRunProgramFolder: by default the service runs the program
// from a folder it may replace it in (self-update), not /usr/local/bin.
func TestInstallDryRunProgramFolder(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("the systemd unit is printed on Linux")
	}
	if got := installedBinary("linux", env{}.get); got != "/opt/pantau-probe/bin/pantau-probe" {
		t.Fatalf("install target %s", got)
	}
	dir := t.TempDir()
	path := writeConfig(t, "server: https://pantau.example.go.id\ntoken: t\n")
	var out, errOut bytes.Buffer
	args := []string{"install", "--dry-run", "--config", path}
	if code := run(context.Background(), args, &out, &errOut, env{"PANTAU_PROBE_CREDENTIAL_FILE": filepath.Join(dir, "none")}.get); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{
		"ExecStart=/opt/pantau-probe/bin/pantau-probe run --config " + path + "\n",
		"ReadWritePaths=/opt/pantau-probe/bin\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("dry run lacks %q:\n%s", want, out.String())
		}
	}
	// A program put elsewhere gets no writable folder: never /usr/local/bin.
	out.Reset()
	args = []string{"install", "--dry-run", "--config", path, "--bin", "/usr/local/bin/pantau-probe"}
	if code := run(context.Background(), args, &out, &errOut, env{"PANTAU_PROBE_CREDENTIAL_FILE": filepath.Join(dir, "none")}.get); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if strings.Contains(out.String(), "ReadWritePaths=/usr/local/bin") {
		t.Errorf("unit lets the service write /usr/local/bin:\n%s", out.String())
	}
}

func TestLinkCommand(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("the command symlink is made on Linux")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "opt", "pantau-probe")
	link := filepath.Join(dir, "pantau-probe")
	// A copy from an older install is replaced by the link.
	if err := os.WriteFile(link, []byte("old copy"), 0o600); err != nil {
		t.Fatal(err)
	}
	for range 2 { // twice: a second install keeps the link
		if err := linkCommand(link, target); err != nil {
			t.Fatalf("link: %v", err)
		}
		if got, err := os.Readlink(link); err != nil || got != target {
			t.Fatalf("link points at %q (%v), want %s", got, err, target)
		}
	}
	if _, err := os.Lstat(link + ".link-tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary link left behind: %v", err)
	}
}

func TestCopyExecutableOpensNewFolders(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("Unix modes")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	if err := os.WriteFile(src, []byte("program"), 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "opt", "pantau-probe", "bin", "pantau-probe")
	if copied, err := copyExecutable(t.Context(), src, dst); err != nil || !copied {
		t.Fatalf("copy: %v (copied %v)", err, copied)
	}
	for _, d := range []string{filepath.Join(dir, "opt"), filepath.Dir(filepath.Dir(dst)), filepath.Dir(dst)} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o755 {
			t.Errorf("%s: mode %v, want 0755", d, fi.Mode().Perm())
		}
	}
}

func TestInstallRefusesBinaryTheServiceCannotSee(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	var out, errOut bytes.Buffer
	args := []string{"install", "--bin", "/home/staf/pantau-probe"}
	if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitUsage || !strings.Contains(errOut.String(), "/opt/pantau-probe/bin/pantau-probe") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
