package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/safefs"
)

// minSettingsInterval is the shortest interval accepted from the server; a
// smaller one is a mistake that would flood the office's link.
const minSettingsInterval = 10 * time.Millisecond

// Settings is what the schedulers run: the office's targets and the time
// between two checks of one target. It is the body of
// GET /api/v1/probe/config and the content of the configuration cache.
type Settings struct {
	Office   string         `json:"office,omitempty"`
	Interval probe.Duration `json:"interval"`
	Targets  []probe.Target `json:"targets"`
}

// Validate names the first wrong field. No targets is valid: an office the
// operator has not set up yet, whose agent waits for its targets.
func (s Settings) Validate() error {
	if s.Interval.D() < minSettingsInterval {
		return fmt.Errorf("interval: %s is below the minimum %s", s.Interval.D(), minSettingsInterval)
	}
	names := map[string]int{}
	for i, t := range s.Targets {
		err := t.Validate()
		if err == nil {
			err = probe.ValidateAddress(t)
		}
		if err == nil && t.Interval > 0 && t.Interval.D() < minSettingsInterval {
			err = fmt.Errorf("interval: %s is below the minimum %s", t.Interval.D(), minSettingsInterval)
		}
		if j, dup := names[t.Name]; dup && err == nil {
			err = fmt.Errorf("name: %q is already used by targets[%d]", t.Name, j)
		}
		if err != nil {
			return fmt.Errorf("targets[%d].%w", i, err)
		}
		names[t.Name] = i
	}
	return nil
}

// equal reports whether s and o would run the same schedulers.
func (s Settings) equal(o Settings) bool {
	a, errA := json.Marshal(s)
	b, errB := json.Marshal(o)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// cacheFile is what the configuration cache holds: the last settings the
// server gave, with the server they came from and their ETag.
type cacheFile struct {
	Server    string    `json:"server"`
	ETag      string    `json:"etag,omitempty"`
	FetchedAt time.Time `json:"fetched_at"`
	Settings  Settings  `json:"settings"`
}

// loadCache reads the cache at path. A cache written for another server is
// ignored (the probe was enrolled again elsewhere): it returns ok false.
func loadCache(path, server string) (cacheFile, bool, error) {
	b, err := os.ReadFile(filepath.Clean(path))
	if errors.Is(err, os.ErrNotExist) {
		return cacheFile{}, false, nil
	}
	if err != nil {
		return cacheFile{}, false, fmt.Errorf("read configuration cache: %w", err)
	}
	var c cacheFile
	if err := json.Unmarshal(b, &c); err != nil {
		return cacheFile{}, false, fmt.Errorf("configuration cache %s: %w", path, err)
	}
	if c.Server != server {
		return cacheFile{}, false, nil
	}
	if err := c.Settings.Validate(); err != nil {
		return cacheFile{}, false, fmt.Errorf("configuration cache %s: %w", path, err)
	}
	return c, true, nil
}

// saveCache writes c to path atomically (see safefs.WriteFile), so a crash
// leaves either the old cache or the new one, never half of one.
func saveCache(ctx context.Context, path string, c cacheFile) error {
	return safefs.WriteJSON(ctx, path, c, 0o750, safefs.Options{Label: "configuration cache"})
}
