package service

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotPrivate is wrapped by CheckPrivate's error when someone other than
// the system's administrators and the agent's own account may change a
// file: they could point the agent (which runs as root's service account or
// as SYSTEM) at another server, which would then receive its token.
var ErrNotPrivate = errors.New("writable by others")

// CheckPrivate checks each existing path of paths (missing ones are
// skipped: nothing there to tamper with yet) with checkPrivate, the
// system's own rule, and names the first that fails.
func CheckPrivate(paths ...string) error {
	for _, p := range paths {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err := checkPrivate(p); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	return nil
}
