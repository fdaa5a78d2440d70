package service

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRenderUnit(t *testing.T) {
	t.Parallel()
	unit, err := RenderUnit(Spec{Executable: "/usr/local/bin/pantau-probe",
		Args: []string{"run", "--config", "/etc/pantau probe/100%.yaml"}, ReadWritePaths: []string{"/srv/spool"}})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	for _, want := range []string{
		"ExecStart=/usr/local/bin/pantau-probe run --config \"/etc/pantau probe/100%%.yaml\"\n",
		"User=pantau-probe\n", "Restart=on-failure\n", "StartLimitIntervalSec=0\n",
		"StateDirectory=pantau-probe\n", "StandardOutput=journal\n", "ReadWritePaths=/srv/spool\n",
		"WantedBy=multi-user.target\n", "After=network-online.target\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
}

// TestRenderUnitProgramDir: self-update replaces the program in its folder,
// which ProtectSystem=strict makes read-only unless listed.
func TestRenderUnitProgramDir(t *testing.T) {
	t.Parallel()
	unit, err := RenderUnit(Spec{Executable: "/opt/pantau-probe/bin/pantau-probe", Args: []string{"run"},
		ProgramDir: "/opt/pantau-probe/bin", ReadWritePaths: []string{"/srv/spool"}})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	for _, want := range []string{
		"ExecStart=/opt/pantau-probe/bin/pantau-probe run\n", "ProtectSystem=strict\n",
		"ReadWritePaths=/opt/pantau-probe/bin\nReadWritePaths=/srv/spool\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q:\n%s", want, unit)
		}
	}
}

func TestRenderUnitRefusesBadSpecs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec Spec
	}{
		{"relative executable", Spec{Executable: "pantau-probe"}},
		{"name with a slash", Spec{Name: "a/b", Executable: "/bin/x"}},
		{"user with a colon", Spec{User: "a:b", Executable: "/bin/x"}},
		{"relative read-write path", Spec{Executable: "/bin/x", ReadWritePaths: []string{"spool"}}},
		{"program folder not the program's", Spec{Executable: "/opt/p/bin/x", ProgramDir: "/opt/p"}},
		{"program folder /usr/local/bin", Spec{Executable: "/opt/p/bin/x", ProgramDir: "/usr/local/bin"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := RenderUnit(tc.spec); err == nil {
				t.Fatal("rendered a unit from a bad spec")
			}
		})
	}
}

// TestUnitVerifies checks the rendered unit with systemd's own parser,
// where systemd-analyze is installed.
func TestUnitVerifies(t *testing.T) {
	t.Parallel()
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "pantau-probe")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	unit, err := RenderUnit(Spec{Executable: bin, Args: []string{"run", "--config", "/etc/pantau-probe/config.yaml"}, ProgramDir: dir})
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	path := filepath.Join(dir, "pantau-probe.service")
	if err := os.WriteFile(path, []byte(unit), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", path).CombinedOutput()
	// verify also checks the dependencies it names exist on this machine;
	// only complaints about our own file count.
	var ours []string
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, "pantau-probe.service") {
			ours = append(ours, line)
		}
	}
	if len(ours) > 0 || (err != nil && len(out) == 0) {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	t.Logf("systemd-analyze verify: ok (%d bytes of output from elsewhere)", len(out))
}
