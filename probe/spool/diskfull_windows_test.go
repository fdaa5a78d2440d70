//go:build windows

package spool

import "syscall"

// diskFullErrnos are what WriteFile answers on a full volume: Windows'
// own codes, written out so the test does not lean on the code under test.
var diskFullErrnos = []syscall.Errno{112 /* ERROR_DISK_FULL */, 39 /* ERROR_HANDLE_DISK_FULL */}
