//go:build !windows

package spool

import "syscall"

// diskFullErrnos are what a write answers on a full disk or quota here.
var diskFullErrnos = []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT}
