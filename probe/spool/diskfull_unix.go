//go:build !windows

package spool

import (
	"errors"
	"syscall"
)

// isDiskFull reports whether err says the file system has no space left.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
