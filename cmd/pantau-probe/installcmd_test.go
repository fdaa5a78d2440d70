package main

import (
	"bytes"
	"context"
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

func TestInstallRefusesBinaryTheServiceCannotSee(t *testing.T) {
	t.Parallel()
	if runtime.GOOS != "linux" {
		t.Skip("Linux only")
	}
	var out, errOut bytes.Buffer
	args := []string{"install", "--bin", "/home/staf/pantau-probe"}
	if code := run(context.Background(), args, &out, &errOut, env{}.get); code != exitUsage || !strings.Contains(errOut.String(), "/usr/local/bin") {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
}
