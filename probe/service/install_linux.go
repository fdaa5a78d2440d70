//go:build linux

package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pantau-id/pantau/probe/safefs"
)

// Install writes the unit for s to UnitDir, creates the service account,
// reloads systemd and enables the service (and starts it unless noStart).
// It needs root. Progress lines go to out.
func Install(ctx context.Context, s Spec, noStart bool, out io.Writer) error {
	s = s.WithDefaults()
	unit, err := RenderUnit(s)
	if err != nil {
		return err
	}
	if err := needRoot(); err != nil {
		return err
	}
	if _, err := os.Stat("/run/systemd/system"); err != nil {
		return errors.New("systemd is not running on this machine (no /run/systemd/system); run `pantau-probe run` under the system's own service manager instead")
	}
	if err := EnsureAccount(ctx, s.User); err != nil {
		return err
	}
	for _, dir := range s.ReadWritePaths {
		// systemd refuses to start a unit whose ReadWritePaths are missing.
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
		if err := chownTo(dir, s.User); err != nil {
			return err
		}
	}
	if s.ProgramDir != "" {
		// 0755: everyone may run the program (through the command's
		// symlink); only the account and root may replace it.
		if err := os.MkdirAll(s.ProgramDir, 0o755); err != nil {
			return fmt.Errorf("create %s: %w", s.ProgramDir, err)
		}
		if err := chownTo(s.ProgramDir, s.User); err != nil {
			return err
		}
		if err := os.Chmod(s.ProgramDir, 0o755); err != nil {
			return fmt.Errorf("open %s to all for reading: %w", s.ProgramDir, err)
		}
	}
	path := filepath.Join(UnitDir, s.Name+".service")
	if err := safefs.WriteFile(ctx, path, []byte(unit), safefs.Options{Label: "systemd unit " + path, Perm: 0o644}); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "wrote %s\n", path)
	if err := systemctl(ctx, "daemon-reload"); err != nil {
		return err
	}
	args := []string{"enable", s.Name + ".service"}
	if !noStart {
		args = []string{"enable", "--now", s.Name + ".service"}
	}
	if err := systemctl(ctx, args...); err != nil {
		return err
	}
	state := "enabled and started"
	if noStart {
		state = "enabled (start it with: systemctl start " + s.Name + ")"
	}
	_, _ = fmt.Fprintf(out, "service %s %s; it starts at boot and restarts after a crash; logs: journalctl -u %s\n",
		s.Name, state, s.Name)
	return nil
}

// Uninstall stops and disables the service and removes its unit. The
// account, the spool and the credential stay, so a re-install loses
// nothing; the progress lines on out say how to remove them.
func Uninstall(ctx context.Context, name string, out io.Writer) error {
	if name == "" {
		name = DefaultName
	}
	if err := needRoot(); err != nil {
		return err
	}
	path := filepath.Join(UnitDir, name+".service")
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s is not installed (no %s)", name, path)
	}
	if err := systemctl(ctx, "disable", "--now", name+".service"); err != nil {
		return err
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove unit: %w", err)
	}
	if err := systemctl(ctx, "daemon-reload"); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(out, "service %s stopped and removed; kept /var/lib/%s (spool), /etc/%s and the account %s\n", name, name, name, name)
	return nil
}

// EnsureAccount creates the system account name (no home, no shell) when
// it does not exist. It needs root.
func EnsureAccount(ctx context.Context, name string) error {
	if _, err := user.Lookup(name); err == nil {
		return nil
	}
	shell := "/usr/sbin/nologin"
	if _, err := os.Stat(shell); err != nil {
		shell = "/bin/false"
	}
	cmd := exec.CommandContext(ctx, "useradd", "--system", "--user-group", "--no-create-home",
		"--home-dir", "/var/lib/"+name, "--shell", shell, "--comment", "Pantau probe agent", name)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("create service account %s: %w: %s", name, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// Restrict makes path readable by its owner only (0600) and, when this
// process is root and account exists, owned by account, so only the
// service (and root) can read the secret in it.
func Restrict(_ context.Context, path, account string) error {
	if err := os.Chmod(path, 0o600); err != nil {
		return fmt.Errorf("restrict %s: %w", path, err)
	}
	if account == "" || os.Geteuid() != 0 {
		return nil
	}
	return chownTo(path, account)
}

// chownTo gives path to account and its group.
func chownTo(path, account string) error {
	u, err := user.Lookup(account)
	if err != nil {
		return fmt.Errorf("owner of %s: %w", path, err)
	}
	uid, uerr := strconv.Atoi(u.Uid)
	gid, gerr := strconv.Atoi(u.Gid)
	if uerr != nil || gerr != nil {
		return fmt.Errorf("owner of %s: account %s has no numeric ids", path, account)
	}
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("give %s to %s: %w", path, account, err)
	}
	return nil
}

// needRoot refuses to go on without root.
func needRoot() error {
	if os.Geteuid() != 0 {
		return errors.New("installing a service needs root: run it with sudo")
	}
	return nil
}

// systemctl runs systemctl with args, returning its output on failure.
func systemctl(ctx context.Context, args ...string) error {
	out, err := exec.CommandContext(ctx, "systemctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
