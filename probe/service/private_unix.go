//go:build !windows

package service

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// checkPrivate requires path and every folder above it to be owned by root,
// this process's user or the service account, and not writable by group or
// others, like
// sshd's StrictModes; a folder with the sticky bit (/tmp) may be, since
// nobody can rename or delete another's entries in it.
func checkPrivate(path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	euid, svc := os.Geteuid(), serviceUID()
	for p, first := abs, true; ; p, first = filepath.Dir(p), false {
		fi, err := os.Stat(p)
		if err != nil {
			return fmt.Errorf("check permissions of %s: %w", p, err)
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil // no owner to check on this system
		}
		what := "it"
		if !first {
			what = "its folder " + p
		}
		if uid := int(st.Uid); uid != 0 && uid != euid && uid != svc {
			return fmt.Errorf("%w: %s is owned by %s, not root", ErrNotPrivate, what, accountName(uid))
		}
		sticky := fi.IsDir() && fi.Mode()&os.ModeSticky != 0
		if fi.Mode().Perm()&0o022 != 0 && !(sticky && !first) {
			return fmt.Errorf("%w: %s is writable by group or others (mode %#o)", ErrNotPrivate, what, fi.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// accountName is the user name of uid, or the number.
func accountName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
}

// FixPermissionsHint says how to make path private on this system.
func FixPermissionsHint(path string) string {
	return fmt.Sprintf("sudo chown root:root %q && sudo chmod go-w %q (or: sudo pantau-probe fix-permissions)", path, path)
}

// serviceUID is the uid of the service account, or -1.
func serviceUID() int {
	u, err := user.Lookup(DefaultName)
	if err != nil {
		return -1
	}
	uid, err := strconv.Atoi(u.Uid)
	if err != nil {
		return -1
	}
	return uid
}

// LockDown makes dir and everything in it not writable by group or others
// and, as root, gives what neither root nor the service account owns to
// root. It is what install does to /etc/pantau-probe.
func LockDown(dir string) error {
	root, svc := os.Geteuid() == 0, serviceUID()
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("lock down %s: %w", p, err)
		}
		fi, err := d.Info()
		if err != nil {
			return fmt.Errorf("lock down %s: %w", p, err)
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && root && st.Uid != 0 && int(st.Uid) != svc {
			if err := os.Lchown(p, 0, 0); err != nil {
				return fmt.Errorf("give %s to root: %w", p, err)
			}
		}
		if fi.Mode()&os.ModeSymlink == 0 && fi.Mode().Perm()&0o022 != 0 {
			if err := os.Chmod(p, fi.Mode().Perm()&^0o022); err != nil {
				return fmt.Errorf("lock down %s: %w", p, err)
			}
		}
		return nil
	})
}
