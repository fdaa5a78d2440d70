package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/release"
	"github.com/pantau-id/pantau/probe/safefs"
	"github.com/pantau-id/pantau/probe/service"
)

// enrolRequest and enrolResponse are the body and answer of
// POST /api/v1/enrol, as the server defines them.
type enrolRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

type enrolResponse struct {
	Office  string `json:"office"`
	ProbeID int64  `json:"probe_id"`
	Token   string `json:"token"`
	// ReleaseKey is the key agent releases are signed with; the agent
	// keeps it in its credential and runs no update signed otherwise.
	ReleaseKey string `json:"release_public_key,omitempty"`
}

// defaultServiceUser is the account the service runs as on Linux; enrol
// gives the credential to it.
func defaultServiceUser(goos string) string {
	if goos == "linux" {
		return service.DefaultName
	}
	return ""
}

// enrolCommand trades a one-time enrolment code for this probe's own token
// and writes it, with the server's URL, to the credential file the service
// reads: mode 0600, owned by the service account on Linux, restricted to
// SYSTEM and Administrators on Windows.
func enrolCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("pantau-probe enrol", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host, _ := os.Hostname()
	server := fs.String("server", getenv("PANTAU_PROBE_SERVER"), "Pantau server base `URL`, e.g. https://pantau.example.go.id (default $PANTAU_PROBE_SERVER)")
	code := fs.String("code", getenv("PANTAU_PROBE_ENROL_CODE"), "one-time enrolment `CODE` from the administrator, e.g. K7Q2-9XMD; dashes and case do not matter (default $PANTAU_PROBE_ENROL_CODE)")
	name := fs.String("name", host, "`NAME` of this probe as the server will show it (a suffix is added if the office has one already)")
	credFile := fs.String("credential-file", defaultCredentialFile(runtime.GOOS, getenv), "`FILE` to write the server URL and token to (the agent reads it from there)")
	account := fs.String("user", defaultServiceUser(runtime.GOOS), "Linux service `ACCOUNT` that will own the credential file (created when missing; only when run as root; empty: keep the current owner)")
	force := fs.Bool("force", false, "replace an existing credential (enrol again, e.g. after the probe was revoked)")
	fs.Usage = func() {
		_, _ = fmt.Fprint(stdout, "Usage: pantau-probe enrol --server URL --code CODE [--name NAME] [--credential-file FILE] [--user ACCOUNT] [--force]\n\n"+
			"Trades a one-time enrolment code (made with `pantau admin enrol-code`) for this\n"+
			"probe's own token and writes it, with the server URL, to the credential file,\n"+
			"readable only by the service account. A used, expired or wrong code is refused\n"+
			"with the server's reason and exit code 1. Run it once when installing the probe,\n"+
			"as root (Linux) or from an Administrator prompt (Windows), then\n"+
			"`pantau-probe check` and `pantau-probe install`.\n\nOptions:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if code, ok := parseOrExit(fs, args); !ok {
		return code
	}
	switch {
	case fs.NArg() > 0:
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	case *server == "":
		_, _ = fmt.Fprintln(stderr, "pantau-probe enrol: --server is required")
		return exitUsage
	case strings.TrimSpace(*code) == "":
		_, _ = fmt.Fprintln(stderr, "pantau-probe enrol: --code is required")
		return exitUsage
	}
	if u, err := url.Parse(*server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: --server %q is not an http:// or https:// URL\n", *server)
		return exitUsage
	}
	if _, err := os.Stat(*credFile); err == nil && !*force {
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: %s exists; this probe is enrolled already (use --force to replace it)\n", *credFile)
		return exitUsage
	}
	fail := func(err error) int {
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: %v\n", err)
		return exitFailed
	}
	owner := *account
	if runtime.GOOS == "linux" && os.Geteuid() != 0 {
		owner = "" // only root can give a file away; it stays 0600, ours
	}
	if owner != "" {
		if err := service.EnsureAccount(ctx, owner); err != nil {
			return fail(err)
		}
	}
	resp, err := enrolAndKeep(ctx, *server, *code, *name, *credFile, owner)
	if err != nil {
		return fail(err)
	}
	readable := "its owner"
	if owner != "" {
		readable = "the account " + owner
	}
	_, _ = fmt.Fprintf(stdout, "enrolled as probe %d of office %s\ncredential written to %s (readable by %s only)\n"+
		"next: pantau-probe check, then pantau-probe install\n", resp.ProbeID, resp.Office, *credFile, readable)
	return exitOK
}

// enrolAndKeep checks that the credential can be written, then trades code
// for the probe's token and writes the credential. The check comes first
// because a code works once: spending it on a run without the rights to
// keep the result would need a new code from the centre.
func enrolAndKeep(ctx context.Context, server, code, name, credFile, owner string) (enrolResponse, error) {
	if err := canWriteCredential(ctx, credFile, owner); err != nil {
		return enrolResponse{}, fmt.Errorf("the code was not used: %w", err)
	}
	srv := strings.TrimRight(server, "/")
	resp, err := enrol(ctx, srv, enrolRequest{Code: strings.TrimSpace(code), Name: name})
	if err != nil {
		return enrolResponse{}, err
	}
	cred := credential{Server: srv, Token: resp.Token, Office: resp.Office, ProbeID: resp.ProbeID, EnrolledAt: time.Now().UTC()}
	// A key that does not parse is not kept: with no key every update is
	// refused, which is safe; the code is spent already, so no error here.
	if pub, err := release.ParsePublicKey(resp.ReleaseKey); err == nil {
		cred.ReleaseKey = release.FormatPublicKey(pub)
	}
	if err := writeCredential(ctx, credFile, cred, owner); err != nil {
		return enrolResponse{}, fmt.Errorf("enrolled as probe %d of office %s, but %w; enrol again with a new code", resp.ProbeID, resp.Office, err)
	}
	return resp, nil
}

// canWriteCredential does what writeCredential will do with a throwaway
// file: create the folder, create a file in it and restrict it to owner
// (which needs an Administrator on Windows and root to give it away on
// Linux).
func canWriteCredential(ctx context.Context, credFile, owner string) error {
	dir := filepath.Dir(credFile)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("cannot create %s (%s?): %w", dir, elevationName(), err)
	}
	tmp, err := os.CreateTemp(dir, ".enrol-check-*")
	if err != nil {
		return fmt.Errorf("cannot write in %s (%s?): %w", dir, elevationName(), err)
	}
	name := tmp.Name()
	err = tmp.Close()
	if err == nil {
		err = service.Restrict(ctx, name, owner)
	}
	if rerr := safefs.Remove(ctx, name); err == nil && rerr != nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("cannot restrict a file in %s to the service (%s?): %w", dir, elevationName(), err)
	}
	return nil
}

// enrol posts the request and returns the server's answer.
func enrol(ctx context.Context, server string, req enrolRequest) (enrolResponse, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return enrolResponse{}, fmt.Errorf("encode request: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+"/api/v1/enrol", bytes.NewReader(body))
	if err != nil {
		return enrolResponse{}, fmt.Errorf("server %q: %w", server, err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("User-Agent", "pantau-probe/"+version)
	hresp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return enrolResponse{}, fmt.Errorf("reach server: %w", err)
	}
	defer func() { _ = hresp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, 64<<10))
	if err != nil {
		return enrolResponse{}, fmt.Errorf("read answer: %w", err)
	}
	if hresp.StatusCode != http.StatusOK {
		var eb probe.ErrorBody
		msg := strings.TrimSpace(string(raw))
		if json.Unmarshal(raw, &eb) == nil && eb.Error.Message != "" {
			msg = eb.Error.Message
		}
		if ra := hresp.Header.Get("Retry-After"); ra != "" {
			msg += " (retry after " + ra + " s)"
		}
		return enrolResponse{}, fmt.Errorf("server refused enrolment: %s: %s", hresp.Status, msg)
	}
	var out enrolResponse
	if err := json.Unmarshal(raw, &out); err != nil || out.Token == "" {
		return enrolResponse{}, fmt.Errorf("unreadable enrolment answer: %q", raw)
	}
	return out, nil
}
