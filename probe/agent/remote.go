package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// ConfigPath is where the agent fetches its settings, below Config.Server.
const ConfigPath = "/api/v1/probe/config"

// errNotModified is fetchSettings' answer to a 304.
var errNotModified = errors.New("configuration not modified")

// fetchSettings asks the server for this probe's settings. With etag set it
// sends If-None-Match and returns errNotModified on a 304.
func (a *Agent) fetchSettings(ctx context.Context, etag string) (Settings, string, error) {
	s, _, tag, err := a.fetchConfig(ctx, etag)
	return s, tag, err
}

// fetchConfig is fetchSettings with the release the server offers.
func (a *Agent) fetchConfig(ctx context.Context, etag string) (Settings, *probe.UpdateOffer, string, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultRequestTime)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(a.cfg.Server, "/")+ConfigPath, nil)
	if err != nil {
		return Settings{}, nil, "", fmt.Errorf("build configuration request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+a.cfg.Token)
	req.Header.Set("User-Agent", "pantau-probe/"+a.cfg.Version)
	req.Header.Set("Accept", "application/json")
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	sent := a.cfg.Clock.Now()
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return Settings{}, nil, "", fmt.Errorf("fetch configuration: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	a.noteClock(resp.Header.Get("Date"), sent, a.cfg.Clock.Now())
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Settings{}, nil, "", fmt.Errorf("read configuration: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		return Settings{}, nil, etag, errNotModified
	default:
		return Settings{}, nil, "", fmt.Errorf("fetch configuration: server answered %s: %s", resp.Status, errorMessage(raw))
	}
	var body struct {
		Settings
		Update *probe.UpdateOffer `json:"update"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return Settings{}, nil, "", fmt.Errorf("decode configuration: %w", err)
	}
	s := body.Settings
	if s.Interval <= 0 {
		// An office without targets has no interval yet.
		s.Interval = probe.Duration(DefaultInterval)
	}
	if err := s.Validate(); err != nil {
		return Settings{}, nil, "", fmt.Errorf("configuration from the server: %w", err)
	}
	return s, body.Update, resp.Header.Get("ETag"), nil
}

// configLoop fetches the settings at once and then every ConfigPoll, and
// hands each change to the schedulers through updates (a newer change
// replaces one not yet taken). Each change is cached before it is used.
// Failures keep the current settings and are logged once per streak.
func (a *Agent) configLoop(ctx context.Context, cur Settings, etag string, updates chan Settings) {
	failing := false
	if a.cfg.Updater != nil {
		// The first answer in full: a cached ETag would hide an offer made
		// before this start.
		etag = ""
	}
	for {
		s, offer, tag, err := a.fetchConfig(ctx, etag)
		if err == nil || errors.Is(err, errNotModified) {
			a.reported()
		}
		if err == nil && a.cfg.Updater != nil {
			a.cfg.Updater.Offer(offer)
		}
		switch {
		case ctx.Err() != nil:
			return
		case errors.Is(err, errNotModified):
		case err != nil:
			if !failing {
				a.log.Warn("cannot fetch the configuration; running on the last good one",
					"err", err, "targets", len(cur.Targets), "retry_every", a.cfg.ConfigPoll.String())
			}
			failing = true
		default:
			if failing {
				a.log.Info("configuration fetched again")
			}
			failing = false
			etag = tag
			if !s.equal(cur) {
				a.saveSettings(ctx, s, tag)
				a.log.Info("configuration changed", "targets", len(s.Targets), "interval", s.Interval.D().String())
				cur = s
				select {
				case <-updates: // superseded before the schedulers took it
				default:
				}
				updates <- s
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-a.cfg.Clock.After(a.cfg.ConfigPoll):
		}
	}
}

// reported tells the updater the server accepted a request.
func (a *Agent) reported() {
	if a.cfg.Updater != nil {
		a.cfg.Updater.Reported()
	}
}

// saveSettings writes s to the configuration cache, when there is one. A
// failed write is logged: the agent runs on s anyway.
func (a *Agent) saveSettings(ctx context.Context, s Settings, etag string) {
	if a.cfg.ConfigCache == "" {
		return
	}
	c := cacheFile{Server: a.cfg.Server, ETag: etag, FetchedAt: time.Now().UTC(), Settings: s}
	if err := saveCache(ctx, a.cfg.ConfigCache, c); err != nil {
		a.log.Error("cannot keep the configuration on disk; a restart without the server would lose it",
			"path", a.cfg.ConfigCache, "err", err)
	}
}

// startSettings are the settings the schedulers begin with: the cache when
// central configuration is on and the cache is good, else Targets and
// Interval of the Config. It also returns the cached ETag.
func (a *Agent) startSettings() (Settings, string) {
	s := Settings{Interval: probe.Duration(a.cfg.Interval), Targets: a.cfg.Targets}
	if a.cfg.ConfigPoll <= 0 || a.cfg.ConfigCache == "" {
		return s, ""
	}
	c, ok, err := loadCache(a.cfg.ConfigCache, a.cfg.Server)
	switch {
	case err != nil:
		a.log.Warn("configuration cache unusable; waiting for the server", "err", err)
		return s, ""
	case !ok:
		a.log.Info("no cached configuration; waiting for the server's", "cache", a.cfg.ConfigCache)
		return s, ""
	}
	a.log.Info("running on the cached configuration until the server answers",
		"targets", len(c.Settings.Targets), "fetched_at", c.FetchedAt.Format(time.RFC3339))
	return c.Settings, c.ETag
}

// FetchSettings asks the server once for the settings of the probe whose
// token cfg holds, and returns them with the offset of the server's clock
// from this machine's (zero when the server sent no Date). It is what
// `pantau-probe check` uses to test the server, the token and the clock.
func FetchSettings(ctx context.Context, cfg Config) (Settings, time.Duration, error) {
	cfg = cfg.withDefaults()
	a := &Agent{cfg: cfg, log: cfg.Logger}
	s, _, err := a.fetchSettings(ctx, "")
	off, _ := a.clock.get()
	return s, off, err
}

// CachedSettings returns the settings cached at path for server, and when
// they were fetched; ok is false when there are none for that server.
func CachedSettings(path, server string) (s Settings, fetched time.Time, ok bool, err error) {
	c, ok, err := loadCache(path, server)
	return c.Settings, c.FetchedAt, ok, err
}
