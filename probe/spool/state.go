package spool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/pantau-id/pantau/probe/safefs"
)

// stateFile is the name of the persisted position file.
const stateFile = "state.json"

// errBadState marks a state file that exists but cannot be parsed.
var errBadState = errors.New("spool state file is corrupt")

// state is what survives restarts beside the segments.
type state struct {
	// Acked is the highest sequence number the server has taken.
	Acked uint64 `json:"acked"`
	// DroppedThrough is the highest sequence number deleted unsent.
	DroppedThrough uint64 `json:"dropped_through"`
	// Dropped counts records lost unsent: deleted to stay in bounds, or
	// refused by a full disk.
	Dropped uint64 `json:"dropped"`
}

// floor is the highest seq that needs no delivery.
func (s state) floor() uint64 { return max(s.Acked, s.DroppedThrough) }

// loadState reads the state file; a missing file is the zero state.
func loadState(dir string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read spool state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%w: %s: %v", errBadState, filepath.Join(dir, stateFile), err)
	}
	return st, nil
}

// saveState replaces the state file atomically (temp file, fsync, rename
// retried while another process holds the file, fsync of the directory).
func saveState(ctx context.Context, dir string, st state) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("encode spool state: %w", err)
	}
	return safefs.WriteFile(ctx, filepath.Join(dir, stateFile), b, safefs.Options{Label: "spool state"})
}
