//go:build !unix

package spool

import "os"

// lockDir is a no-op where flock is not available; one process per spool
// directory is then up to the installer.
func lockDir(string) (*os.File, error) { return nil, nil }
