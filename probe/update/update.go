// Package update is the agent's self-update from the centre (issue 16).
//
// The server offers a release in the agent's configuration poll. The
// Updater downloads the program for this GOOS/GOARCH with the probe token,
// checks it with release.Verify against the public key the agent was
// enrolled with (an unsigned, wrongly signed or altered program is refused,
// never run, and the refusal reported), asks the verified program for its
// version, and stages it next to the running one. Apply then puts it in
// place and runs it on trial, keeping the old program:
//
//   - Linux and other Unix: the old program's process stays the service's
//     main process and runs the new one as its child. Once the child has
//     reported (a configuration poll or an upload the server accepted),
//     the old process stops it and re-executes the new program in its own
//     place (execve: same PID, so systemd sees no restart). If the child
//     exits or does not report within the trial time, the old program is
//     restored and re-executed. No service manager is needed for either.
//   - Windows: the running program is renamed aside to pantau-probe.old.exe
//     (Windows allows renaming a running program, not overwriting it), the
//     new one put in its place, and a watchdog started from the old copy,
//     outside the service: it restarts the service and, if the new
//     version does not report in time, stops it, restores the old program
//     and starts it again.
//
// Every failure (refused, rolled back) is kept in a state file next to the
// spool with the versions never to try again, and reported to the server
// (POST /api/v1/probe/update) until it is accepted.
package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/release"
	"github.com/pantau-id/pantau/probe/safefs"
)

// Defaults for Config.
const (
	// DefaultTrial is how long a new version has to report before the old
	// one is restored: a few configuration polls at the default minute.
	DefaultTrial = 5 * time.Minute
	// DefaultRetry is how often a failed download or report is retried.
	DefaultRetry = time.Minute
	// maxProgramSize bounds a download (the agent is about 10 MB).
	maxProgramSize = 128 << 20
	// downloadTime bounds one download over a slow office link.
	downloadTime = 10 * time.Minute
)

// ReportPath is where the agent reports a refused or rolled-back update.
const ReportPath = "/api/v1/probe/update"

// TrialEnv is set in the environment of a new version on trial (Unix), so
// its log says so.
const TrialEnv = "PANTAU_PROBE_ON_TRIAL"

// Config is what the Updater needs.
type Config struct {
	Server, Token string
	// Version is the running program's version.
	Version string
	// PublicKey is the release key from enrolment (ed25519:BASE64). Empty:
	// every offer is refused, since nothing could be verified.
	PublicKey string
	// Executable is the running program's path (os.Executable).
	Executable string
	// StateFile keeps trials, failed versions and unsent reports.
	StateFile string
	// Trial is how long a new version has to report (default DefaultTrial).
	Trial time.Duration
	// Retry is the wait before a failed download or report is tried again.
	Retry time.Duration
	// Service is the Windows service to restart (Windows only).
	Service string
	// GOOS and GOARCH pick the program to download (default: this build's).
	GOOS, GOARCH string
	HTTPClient   *http.Client
	Logger       *slog.Logger
}

// Updater follows the server's offers; see the package doc.
type Updater struct {
	cfg    Config
	log    *slog.Logger
	pub    ed25519.PublicKey
	offers chan *probe.UpdateOffer
	// reported is signalled on each exchange the server accepted.
	reported chan struct{}
	mu       sync.Mutex // guards the state file between Run and Apply
}

// New checks cfg and returns an Updater. A missing or bad public key is no
// error: offers are then refused and reported.
func New(cfg Config) (*Updater, error) {
	if cfg.Server == "" || cfg.Executable == "" || cfg.StateFile == "" {
		return nil, errors.New("update: server, executable and state file are required")
	}
	if cfg.Trial <= 0 {
		cfg.Trial = DefaultTrial
	}
	if cfg.Retry <= 0 {
		cfg.Retry = DefaultRetry
	}
	if cfg.GOOS == "" {
		cfg.GOOS, cfg.GOARCH = runtime.GOOS, runtime.GOARCH
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: downloadTime}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	u := &Updater{cfg: cfg, log: cfg.Logger, offers: make(chan *probe.UpdateOffer, 1), reported: make(chan struct{}, 1)}
	if cfg.PublicKey != "" {
		pub, err := release.ParsePublicKey(cfg.PublicKey)
		if err != nil {
			u.log.Warn("the release key in the credential does not parse; updates will be refused", "err", err)
		}
		u.pub = pub
	}
	return u, nil
}

// Offer hands over what the server offers in a configuration it sent
// (nil: nothing). It never blocks: a newer offer replaces one not taken.
func (u *Updater) Offer(o *probe.UpdateOffer) {
	select {
	case <-u.offers:
	default:
	}
	u.offers <- o
}

// Reported tells the Updater the server accepted a request of this
// version; it never blocks.
func (u *Updater) Reported() {
	select {
	case u.reported <- struct{}{}:
	default:
	}
}

// Staged is a verified new program next to the running one, ready for Apply.
type Staged struct {
	Version string
	Path    string // the verified program, beside Executable
}

// Run follows offers until ctx is done (nil) or a new version is staged
// (returned; the caller stops the agent and calls Apply). It also confirms
// this version's trial once the server accepted a request, and sends the
// reports not yet sent.
func (u *Updater) Run(ctx context.Context) (*Staged, error) {
	st, err := u.load()
	if err != nil {
		u.log.Error("update state unreadable; starting afresh", "err", err)
		st = state{}
	}
	onTrial := st.Trial != nil && !st.Trial.Confirmed && SameVersion(st.Trial.To, u.cfg.Version)
	if onTrial {
		u.log.Info("running a new version on trial; it is kept once the server hears from it",
			"version", u.cfg.Version, "previous", st.Trial.From, "deadline", st.Trial.Deadline.Format(time.RFC3339))
	}
	var (
		offer   *probe.UpdateOffer
		retry   <-chan time.Time
		pending = len(st.Pending) > 0
	)
	if pending {
		retry = time.After(0)
	}
	for {
		select {
		case <-ctx.Done():
			return nil, nil
		case <-u.reported:
			if onTrial {
				if err := u.confirm(ctx); err != nil {
					u.log.Error("cannot record that the new version works", "err", err)
					continue
				}
				onTrial = false
				u.log.Info("new version confirmed", "version", u.cfg.Version)
			}
			continue
		case offer = <-u.offers:
		case <-retry:
			retry = nil
		}
		if pending {
			if pending = !u.sendReports(ctx); pending {
				retry = time.After(u.cfg.Retry)
			}
		}
		if offer == nil || onTrial || SameVersion(offer.Version, u.cfg.Version) {
			continue
		}
		if st, err = u.load(); err == nil && slices.Contains(st.Failed, offer.Version) {
			continue // refused or rolled back before; the report says so
		}
		staged, err := u.stage(ctx, *offer)
		var refused *refusal
		switch {
		case ctx.Err() != nil:
			return nil, nil
		case errors.As(err, &refused):
			u.log.Error("update refused: this program will not run it", "version", offer.Version, "err", err)
			if err := u.fail(ctx, offer.Version, "refused: "+err.Error()); err != nil {
				u.log.Error("cannot record the refusal", "err", err)
			}
			offer, pending, retry = nil, true, time.After(0)
		case err != nil:
			u.log.Warn("cannot fetch the update; trying again later", "version", offer.Version, "err", err,
				"retry_in", u.cfg.Retry.String())
			retry = time.After(u.cfg.Retry)
		default:
			return staged, nil
		}
	}
}

// refusal is an update this agent will not run: bad signature or checksum,
// a program for another platform, no key to check with.
type refusal struct{ err error }

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// stage downloads and verifies o's program and writes it beside the running
// one. A *refusal error means it must never run.
func (u *Updater) stage(ctx context.Context, o probe.UpdateOffer) (*Staged, error) {
	if u.pub == nil {
		return nil, &refusal{errors.New("this agent has no release key from its enrolment (enrol it again to get one)")}
	}
	if want := release.BinaryName(u.cfg.GOOS, u.cfg.GOARCH); o.Name != want {
		return nil, &refusal{fmt.Errorf("offered %q, this agent runs %s", o.Name, want)}
	}
	// The signature first: nothing is downloaded for an unsigned offer.
	if _, err := release.VerifySums(u.pub, []byte(o.Sums), []byte(o.Signature)); err != nil {
		return nil, &refusal{err}
	}
	u.log.Info("downloading update", "version", o.Version, "program", o.Name)
	content, err := u.download(ctx, o)
	if err != nil {
		return nil, err
	}
	if err := release.Verify(u.pub, []byte(o.Sums), []byte(o.Signature), o.Name, bytes.NewReader(content)); err != nil {
		return nil, &refusal{err}
	}
	path := stagedPath(u.cfg.Executable)
	if err := safefs.WriteFile(ctx, path, content, safefs.Options{Label: "new program", Perm: 0o755}); err != nil {
		return nil, &refusal{fmt.Errorf("cannot write beside %s: %w", u.cfg.Executable, err)}
	}
	// Signed, so it may run: ask it its version, so a signed program of
	// another version offered under this one's name is not installed.
	if err := checkVersion(ctx, path, o.Version); err != nil {
		_ = safefs.Remove(context.WithoutCancel(ctx), path)
		return nil, &refusal{err}
	}
	u.log.Info("update verified", "version", o.Version, "sha256_signed_by", release.FormatPublicKey(u.pub))
	return &Staged{Version: o.Version, Path: path}, nil
}

// download fetches o's program with the probe token.
func (u *Updater) download(ctx context.Context, o probe.UpdateOffer) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, downloadTime)
	defer cancel()
	if !strings.HasPrefix(o.URL, "/") {
		return nil, &refusal{fmt.Errorf("download path %q is not a path on the server", o.URL)}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(u.cfg.Server, "/")+o.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("build download request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+u.cfg.Token)
	req.Header.Set("User-Agent", "pantau-probe/"+u.cfg.Version)
	resp, err := u.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", o.Name, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("download %s: server answered %s", o.Name, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxProgramSize+1))
	if err != nil {
		return nil, fmt.Errorf("download %s: %w", o.Name, err)
	}
	if len(b) > maxProgramSize {
		return nil, &refusal{fmt.Errorf("download %s: larger than %d bytes", o.Name, maxProgramSize)}
	}
	return b, nil
}

// checkVersion runs `path version` and checks it names version.
func checkVersion(ctx context.Context, path, version string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "version").Output()
	if err != nil {
		return fmt.Errorf("the new program does not tell its version: %w", err)
	}
	f := strings.Fields(string(out))
	if len(f) < 2 || f[0] != "pantau-probe" || !SameVersion(f[1], version) {
		return fmt.Errorf("the new program says %q, the offer was version %s", strings.TrimSpace(string(out)), version)
	}
	return nil
}

// SameVersion reports whether two version texts name one release: a build
// from a git tag says v1.4.0, its release (and the server's offer) 1.4.0.
func SameVersion(a, b string) bool {
	return strings.TrimPrefix(a, "v") == strings.TrimPrefix(b, "v")
}

// sendReports posts the pending reports; true when none is left.
func (u *Updater) sendReports(ctx context.Context) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	st, err := u.load()
	if err != nil {
		u.log.Error("update state unreadable", "err", err)
		return true
	}
	var left []Report
	for _, r := range st.Pending {
		if err := u.post(ctx, r); err != nil {
			u.log.Warn("cannot report the failed update yet", "version", r.FailedVersion, "err", err)
			left = append(left, r)
			continue
		}
		u.log.Info("failed update reported to the server", "version", r.FailedVersion, "reason", r.Reason)
	}
	st.Pending = left
	if err := u.save(ctx, st); err != nil {
		u.log.Error("cannot keep the update state", "err", err)
	}
	return len(left) == 0
}

// post sends one report. A 4xx other than 429 drops it: sending it again
// cannot help, and the log says so.
func (u *Updater) post(ctx context.Context, r Report) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	body, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(u.cfg.Server, "/")+ReportPath, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("build report: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+u.cfg.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "pantau-probe/"+u.cfg.Version)
	resp, err := u.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("post report: %w", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = resp.Body.Close()
	switch c := resp.StatusCode; {
	case c < 300:
		return nil
	case c >= 400 && c < 500 && c != http.StatusTooManyRequests:
		u.log.Error("server refuses the update report; dropping it", "status", resp.Status, "answer", string(msg))
		return nil
	}
	return fmt.Errorf("post report: server answered %s", resp.Status)
}

// stagedPath is where a verified new program waits beside exe.
func stagedPath(exe string) string { return withSuffix(exe, ".new") }

// OldPath is where the previous program is kept beside exe:
// pantau-probe.old, pantau-probe.old.exe.
func OldPath(exe string) string { return withSuffix(exe, ".old") }

func withSuffix(exe, suffix string) string {
	ext := filepath.Ext(exe)
	if !strings.EqualFold(ext, ".exe") {
		ext = ""
	}
	return strings.TrimSuffix(exe, ext) + suffix + ext
}

// Executable is the running program's path with symlinks resolved, what
// Config.Executable wants.
func Executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find this program: %w", err)
	}
	if p, err := filepath.EvalSymlinks(exe); err == nil {
		exe = p
	}
	return exe, nil
}
