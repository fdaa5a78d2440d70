//go:build windows

package spool

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isDiskFull reports whether err says the volume has no space left:
// ERROR_DISK_FULL from WriteFile, ERROR_HANDLE_DISK_FULL from some file
// systems and network shares.
func isDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL)
}
