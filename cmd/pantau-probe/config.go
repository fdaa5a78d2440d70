package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/agent"
	"github.com/pantau-id/pantau/probe/spool"
	"github.com/pantau-id/pantau/probe/update"
)

// Config is the agent's configuration file, with PANTAU_PROBE_* variables
// applied over it.
type Config struct {
	Server        string         `yaml:"server"`
	Token         string         `yaml:"token"`
	TokenFile     string         `yaml:"token_file"`
	Interval      probe.Duration `yaml:"interval"`
	Timeout       probe.Duration `yaml:"timeout"`
	SpoolDir      string         `yaml:"spool_dir"`
	SpoolMaxBytes int64          `yaml:"spool_max_bytes"`
	BatchSize     int            `yaml:"batch_size"`
	UploadDelay   probe.Duration `yaml:"upload_delay"`
	LogLevel      string         `yaml:"log_level"`
	Targets       []probe.Target `yaml:"targets"`
	// TargetsSource says where the targets and interval come from:
	// "server" (fetched, followed, cached) or "local" (Targets and
	// Interval above). Empty: local when Targets are listed, else server.
	TargetsSource string `yaml:"targets_source"`
	// ConfigPoll is how often the agent asks the server for changes.
	ConfigPoll probe.Duration `yaml:"config_poll"`
	// ConfigCache keeps the last configuration from the server (default:
	// config-cache.json next to spool_dir).
	ConfigCache string `yaml:"config_cache"`
	// CredentialFile is what `pantau-probe enrol` wrote: server and token,
	// used when the file and environment set none.
	CredentialFile string `yaml:"credential_file"`
	// UpdateTrial is how long a new version from a self-update has to
	// reach the server before the old one is restored.
	UpdateTrial probe.Duration `yaml:"update_trial"`

	// releaseKey is the release public key from the credential: the only
	// key a self-update may be signed with (none: updates are refused).
	releaseKey string
	// credErr is why the credential could not be read, kept for Validate.
	credErr error
	// path is the config file this came from (it may not exist).
	path string
}

// Targets sources.
const (
	sourceServer = "server"
	sourceLocal  = "local"
)

// source is the effective targets source.
func (c Config) source() string {
	if c.TargetsSource == "" && len(c.Targets) == 0 {
		return sourceServer
	}
	if c.TargetsSource == "" {
		return sourceLocal
	}
	return c.TargetsSource
}

// configCache is the effective configuration cache path.
func (c Config) configCache() string {
	if c.ConfigCache != "" {
		return c.ConfigCache
	}
	return filepath.Join(filepath.Dir(filepath.Clean(c.SpoolDir)), "config-cache.json")
}

// updateState is the self-update's state file, beside the spool.
func (c Config) updateState() string {
	return filepath.Join(filepath.Dir(filepath.Clean(c.SpoolDir)), "update.json")
}

// Limits on config values.
const (
	minInterval      = 10 * time.Millisecond
	minSpoolMaxBytes = 1 << 20
	maxBatchSize     = 5000 // the server's limit per batch
	maxUploadDelay   = time.Minute
	minUpdateTrial   = time.Second
)

// defaultConfigPoll is how often the agent asks the server for changes.
const defaultConfigPoll = time.Minute

// defaultUploadDelay lets the results of about a second travel in one
// request: negligible delay next to 30 s checks, far fewer requests.
const defaultUploadDelay = time.Second

// defaultConfig is the configuration before the file and environment.
func defaultConfig(getenv func(string) string) Config {
	return Config{
		Interval:       probe.Duration(agent.DefaultInterval),
		Timeout:        probe.Duration(agent.DefaultTimeout),
		SpoolDir:       defaultSpoolDir(runtime.GOOS, getenv),
		SpoolMaxBytes:  spool.DefaultMaxBytes,
		BatchSize:      agent.DefaultBatchSize,
		UploadDelay:    probe.Duration(defaultUploadDelay),
		LogLevel:       "info",
		ConfigPoll:     probe.Duration(defaultConfigPoll),
		UpdateTrial:    probe.Duration(update.DefaultTrial),
		CredentialFile: defaultCredentialFile(runtime.GOOS, getenv),
	}
}

// defaultSpoolDir is where the spool lives when the config names none.
func defaultSpoolDir(goos string, getenv func(string) string) string {
	return filepath.Join(defaultStateDir(goos, getenv), "spool")
}

// defaultConfigPath is the config file used when --config is not given.
func defaultConfigPath(goos string, getenv func(string) string) string {
	if p := getenv("PANTAU_PROBE_CONFIG"); p != "" {
		return p
	}
	if goos == "windows" {
		return defaultConfigDir(goos, getenv) + `\config.yaml`
	}
	return defaultConfigDir(goos, getenv) + "/config.yaml"
}

// LoadConfig reads the YAML file at path over the defaults, then applies
// the environment and, for a server or token still missing, the credential
// file. Unknown keys are errors, so typos do not pass silently. With
// optional set, a missing file is no error: an enrolled agent needs none.
func LoadConfig(path string, getenv func(string) string, optional bool) (Config, error) {
	cfg := defaultConfig(getenv)
	cfg.path = path
	b, err := os.ReadFile(path)
	if optional && errors.Is(err, os.ErrNotExist) {
		err, b = nil, nil
	}
	if err != nil {
		return cfg, fmt.Errorf("read config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return cfg, fmt.Errorf("config %s: %w", path, err)
	}
	if err := cfg.applyEnv(getenv); err != nil {
		return cfg, err
	}
	cfg.applyCredential()
	return cfg, nil
}

// applyCredential takes server and token from the credential file where
// the config and environment set none. A credential that cannot be read
// is remembered for Validate, which names it if the token is missing.
func (c *Config) applyCredential() {
	if c.CredentialFile == "" || (c.Server != "" && (c.Token != "" || c.TokenFile != "")) {
		return
	}
	cred, ok, err := readCredential(c.CredentialFile)
	if err != nil || !ok {
		c.credErr = err
		return
	}
	if c.Server == "" {
		c.Server = cred.Server
	}
	if c.Token == "" && c.TokenFile == "" {
		c.Token = cred.Token
	}
	if c.Server == cred.Server {
		c.releaseKey = cred.ReleaseKey
	}
}

// applyEnv overrides fields from PANTAU_PROBE_* variables.
func (c *Config) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"PANTAU_PROBE_SERVER": &c.Server, "PANTAU_PROBE_TOKEN": &c.Token,
		"PANTAU_PROBE_TOKEN_FILE": &c.TokenFile, "PANTAU_PROBE_SPOOL_DIR": &c.SpoolDir,
		"PANTAU_PROBE_LOG_LEVEL": &c.LogLevel, "PANTAU_PROBE_TARGETS_SOURCE": &c.TargetsSource,
		"PANTAU_PROBE_CONFIG_CACHE": &c.ConfigCache, "PANTAU_PROBE_CREDENTIAL_FILE": &c.CredentialFile,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	// A secret from the environment replaces the file's, whichever form.
	if getenv("PANTAU_PROBE_TOKEN") != "" && getenv("PANTAU_PROBE_TOKEN_FILE") == "" {
		c.TokenFile = ""
	}
	if getenv("PANTAU_PROBE_TOKEN_FILE") != "" && getenv("PANTAU_PROBE_TOKEN") == "" {
		c.Token = ""
	}
	durs := map[string]*probe.Duration{"PANTAU_PROBE_INTERVAL": &c.Interval, "PANTAU_PROBE_TIMEOUT": &c.Timeout,
		"PANTAU_PROBE_UPLOAD_DELAY": &c.UploadDelay, "PANTAU_PROBE_CONFIG_POLL": &c.ConfigPoll,
		"PANTAU_PROBE_UPDATE_TRIAL": &c.UpdateTrial}
	for k, p := range durs {
		if v := getenv(k); v != "" {
			if err := p.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("%s: %q is not a duration such as 30s", k, v)
			}
		}
	}
	if v := getenv("PANTAU_PROBE_SPOOL_MAX_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("PANTAU_PROBE_SPOOL_MAX_BYTES: %q is not a number of bytes", v)
		}
		c.SpoolMaxBytes = n
	}
	if v := getenv("PANTAU_PROBE_BATCH_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("PANTAU_PROBE_BATCH_SIZE: %q is not a number", v)
		}
		c.BatchSize = n
	}
	return nil
}

// Validate names the first wrong field. With forRun false (the check
// command) the server and token may be missing.
func (c Config) Validate(forRun bool) error {
	switch {
	case forRun && c.Server == "" && c.credErr != nil:
		return c.credErr
	case forRun && c.Server == "":
		return errors.New("server: required; enrol this probe (pantau-probe enrol --server URL --code CODE), or set server")
	}
	if forRun || c.Server != "" {
		u, err := url.Parse(c.Server)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("server: %q is not an http:// or https:// URL", c.Server)
		}
	}
	switch {
	case c.Token != "" && c.TokenFile != "":
		return errors.New("token_file: set token or token_file, not both")
	case forRun && c.Token == "" && c.TokenFile == "" && c.credErr != nil:
		return c.credErr
	case forRun && c.Token == "" && c.TokenFile == "":
		return errors.New("token: required; enrol this probe (pantau-probe enrol), or set token or token_file")
	case c.Interval.D() < minInterval:
		return fmt.Errorf("interval: %s is below the minimum %s", c.Interval.D(), minInterval)
	case c.Timeout.D() <= 0:
		return errors.New("timeout: must be positive")
	case forRun && strings.TrimSpace(c.SpoolDir) == "":
		return errors.New("spool_dir: must not be empty")
	case c.SpoolMaxBytes < minSpoolMaxBytes:
		return fmt.Errorf("spool_max_bytes: %d is below the minimum %d (1 MiB)", c.SpoolMaxBytes, minSpoolMaxBytes)
	case c.BatchSize < 1 || c.BatchSize > maxBatchSize:
		return fmt.Errorf("batch_size: %d is not between 1 and %d", c.BatchSize, maxBatchSize)
	case c.UploadDelay < 0 || c.UploadDelay.D() > maxUploadDelay:
		return fmt.Errorf("upload_delay: %s is not between 0s and %s", c.UploadDelay.D(), maxUploadDelay)
	case c.TargetsSource != "" && c.TargetsSource != sourceServer && c.TargetsSource != sourceLocal:
		return fmt.Errorf("targets_source: %q is not server or local", c.TargetsSource)
	case c.source() == sourceLocal && len(c.Targets) == 0:
		return errors.New("targets: at least one target is required with targets_source: local")
	case c.source() == sourceServer && len(c.Targets) > 0:
		return errors.New("targets: listed, but targets_source is server; remove them or set targets_source: local")
	case c.source() == sourceServer && c.ConfigPoll.D() < minInterval:
		return fmt.Errorf("config_poll: %s is below the minimum %s", c.ConfigPoll.D(), minInterval)
	case c.UpdateTrial.D() < minUpdateTrial:
		return fmt.Errorf("update_trial: %s is below the minimum %s", c.UpdateTrial.D(), minUpdateTrial)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	names := map[string]int{}
	for i, t := range c.Targets {
		err := t.Validate()
		if err == nil {
			err = probe.ValidateAddress(t)
		}
		if err == nil && t.TLSCAFile != "" {
			if _, serr := os.Stat(t.TLSCAFile); serr != nil {
				err = fmt.Errorf("tls_ca_file: %w", serr)
			}
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

// token returns the bearer token, read from token_file when set.
func (c Config) token() (string, error) {
	if c.TokenFile == "" {
		return c.Token, nil
	}
	b, err := os.ReadFile(filepath.Clean(c.TokenFile))
	if err != nil {
		return "", fmt.Errorf("token_file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("token_file: %s is empty", c.TokenFile)
	}
	return tok, nil
}

// parseLevel reads log_level.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("log_level: %q is not debug, info, warn or error", s)
	}
	return l, nil
}

// privatePaths are the files and folders that decide where the agent sends
// its token and what it runs: only administrators and the agent's own
// account may write them (service.CheckPrivate).
func (c Config) privatePaths() []string {
	paths := []string{c.path, filepath.Dir(c.path), c.CredentialFile, c.TokenFile, c.SpoolDir}
	if c.source() == sourceServer {
		paths = append(paths, c.configCache())
	}
	return paths
}
