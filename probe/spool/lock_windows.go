//go:build windows

package spool

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// lockDir takes an exclusive lock (LockFileEx) on the first byte of
// dir\lock so that a second agent (`pantau-probe run` started by hand while
// the service runs) cannot interleave appends. Windows releases the lock
// when the process dies, so a crash leaves nothing stale.
func lockDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open spool lock: %w", err)
	}
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err != nil {
		_ = f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
			return nil, fmt.Errorf("spool %s is in use by another pantau-probe process (is the service running? stop it first: sc stop pantau-probe)", dir)
		}
		return nil, fmt.Errorf("lock spool: %w", err)
	}
	return f, nil
}
