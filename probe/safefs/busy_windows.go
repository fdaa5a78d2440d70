//go:build windows

package safefs

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isBusy reports whether err means another process holds the file for
// now: opened without sharing delete access (antivirus, backup, an editor)
// or locked. Access denied is also what a file about to be deleted by its
// last holder answers, so it is retried too; a real lack of rights simply
// fails after the retries.
func isBusy(err error) bool {
	return errors.Is(err, windows.ERROR_SHARING_VIOLATION) ||
		errors.Is(err, windows.ERROR_ACCESS_DENIED) ||
		errors.Is(err, windows.ERROR_LOCK_VIOLATION)
}

// SyncDir does nothing on Windows: NTFS journals its metadata, and a
// folder cannot be flushed by ordinary means.
func SyncDir(string) error { return nil }
