package update

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/pantau-id/pantau/probe/safefs"
)

// state is the state file: written atomically by whichever program runs
// (the old one supervising, the new one on trial), read at every start.
type state struct {
	// Trial is the update under way; nil when none.
	Trial *trial `json:"trial,omitempty"`
	// Failed are versions refused or rolled back: never tried again.
	Failed []string `json:"failed,omitempty"`
	// Pending are reports the server has not accepted yet.
	Pending []Report `json:"pending,omitempty"`
}

// trial is a new version running while the old one is kept.
type trial struct {
	From     string    `json:"from"`
	To       string    `json:"to"`
	Started  time.Time `json:"started"`
	Deadline time.Time `json:"deadline"`
	// Confirmed is set by the new version once the server accepted a
	// request from it.
	Confirmed bool `json:"confirmed"`
}

// Report is the body of POST /api/v1/probe/update.
type Report struct {
	FailedVersion string `json:"failed_version"`
	Reason        string `json:"reason,omitempty"`
}

// maxReason bounds a report's reason (the server's limit too).
const maxReason = 500

func (u *Updater) load() (state, error) { return loadState(u.cfg.StateFile) }

func loadState(path string) (state, error) {
	var st state
	b, err := os.ReadFile(filepath.Clean(path))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, fmt.Errorf("read update state: %w", err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("update state %s: %w", path, err)
	}
	return st, nil
}

func (u *Updater) save(ctx context.Context, st state) error {
	return saveState(ctx, u.cfg.StateFile, st)
}

func saveState(ctx context.Context, path string, st state) error {
	return safefs.WriteJSON(ctx, path, st, 0o750, safefs.Options{Label: "update state"})
}

// update changes the state file under the lock.
func (u *Updater) update(ctx context.Context, f func(*state)) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := u.load()
	if err != nil {
		return err
	}
	f(&st)
	return u.save(ctx, st)
}

// fail records version as never to be tried again, with a report to send.
func (u *Updater) fail(ctx context.Context, version, reason string) error {
	return u.update(ctx, func(st *state) { failState(st, version, reason) })
}

func failState(st *state, version, reason string) {
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "")
	}
	if !slices.Contains(st.Failed, version) {
		st.Failed = append(st.Failed, version)
	}
	st.Pending = append(st.Pending, Report{FailedVersion: version, Reason: reason})
	st.Trial = nil
}

// confirm marks this version's trial as passed.
func (u *Updater) confirm(ctx context.Context) error {
	return u.update(ctx, func(st *state) {
		if st.Trial != nil && SameVersion(st.Trial.To, u.cfg.Version) {
			st.Trial.Confirmed = true
		}
	})
}

// confirmed reads whether the trial of version has passed.
func confirmed(path, version string) bool {
	st, err := loadState(path)
	return err == nil && st.Trial != nil && SameVersion(st.Trial.To, version) && st.Trial.Confirmed
}
