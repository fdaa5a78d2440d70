//go:build !windows

package safefs

import (
	"fmt"
	"os"
)

// isBusy reports whether err means another process holds the file for
// now. Unix lets a file that others hold open be renamed and deleted, so
// nothing is retried.
func isBusy(error) bool { return false }

// SyncDir fsyncs dir so that creates, renames and deletes in it survive
// power loss.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder for sync: %w", err)
	}
	defer func() { _ = d.Close() }()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}
