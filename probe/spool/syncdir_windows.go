//go:build windows

package spool

// syncDir is a no-op on Windows: NTFS journals metadata and directories
// cannot be opened for FlushFileBuffers by ordinary means.
func syncDir(string) error { return nil }
