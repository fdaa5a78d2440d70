//go:build !windows

package main

import (
	"errors"
	"os"
)

// isElevated reports whether this process runs as root.
func isElevated() bool { return os.Geteuid() == 0 }

// relaunchElevated is Windows' UAC prompt; elsewhere the person runs sudo.
func relaunchElevated([]string) error {
	return errors.New("jalankan dengan sudo / run it with sudo")
}

// osVersion is only checked on Windows.
func osVersion() (major, minor, build uint32) { return 0, 0, 0 }

// startedByDoubleClick is a Windows notion.
func startedByDoubleClick() bool { return false }
