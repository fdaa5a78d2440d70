//go:build !unix && !windows

package spool

import "os"

// lockDir is a no-op where neither flock nor LockFileEx is available; one
// process per spool directory is then up to the installer.
func lockDir(string) (*os.File, error) { return nil, nil }
