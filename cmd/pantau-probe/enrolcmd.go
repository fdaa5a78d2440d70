package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/pantau-id/pantau/probe"
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
}

// defaultTokenFile is where enrol writes the token unless told otherwise.
func defaultTokenFile(goos string, getenv func(string) string) string {
	if goos == "windows" {
		base := getenv("ProgramData")
		if base == "" {
			base = `C:\ProgramData`
		}
		return base + `\pantau-probe\token`
	}
	return "/etc/pantau-probe/token"
}

// enrolCommand trades a one-time enrolment code for this probe's token and
// writes it to a file only the agent's user can read.
func enrolCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := flag.NewFlagSet("pantau-probe enrol", flag.ContinueOnError)
	fs.SetOutput(stderr)
	host, _ := os.Hostname()
	server := fs.String("server", getenv("PANTAU_PROBE_SERVER"), "Pantau server base `URL` (default $PANTAU_PROBE_SERVER)")
	code := fs.String("code", getenv("PANTAU_PROBE_ENROL_CODE"), "one-time enrolment `CODE` from the office's administrator (default $PANTAU_PROBE_ENROL_CODE)")
	name := fs.String("name", host, "`NAME` of this probe as the server will show it")
	tokenFile := fs.String("token-file", defaultTokenFile(runtime.GOOS, getenv), "`FILE` to write the token to (mode 0600)")
	force := fs.Bool("force", false, "overwrite an existing token file")
	fs.Usage = func() {
		_, _ = fmt.Fprint(stdout, "Usage: pantau-probe enrol --server URL --code CODE [--name NAME] [--token-file FILE]\n\n"+
			"Trades a one-time enrolment code (made with `pantau admin enrol-code`) for this\n"+
			"probe's own token, writes it to the token file, and prints what to put in the\n"+
			"config file. Run it once when installing the probe.\n\nOptions:\n")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	switch {
	case *server == "":
		_, _ = fmt.Fprintln(stderr, "pantau-probe enrol: --server is required")
		return exitUsage
	case strings.TrimSpace(*code) == "":
		_, _ = fmt.Fprintln(stderr, "pantau-probe enrol: --code is required")
		return exitUsage
	}
	if _, err := os.Stat(*tokenFile); err == nil && !*force {
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: %s exists; this probe seems enrolled already (use --force to replace it)\n", *tokenFile)
		return exitUsage
	}
	resp, err := enrol(ctx, *server, enrolRequest{Code: strings.TrimSpace(*code), Name: *name})
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: %v\n", err)
		return exitFailed
	}
	if err := writeSecret(*tokenFile, resp.Token); err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-probe enrol: %v\n", err)
		return exitFailed
	}
	_, _ = fmt.Fprintf(stdout, "enrolled as probe %d of office %s; token written to %s\n"+
		"put these lines in the config file:\n  server: %s\n  token_file: %s\n", resp.ProbeID, resp.Office, *tokenFile, *server, *tokenFile)
	return exitOK
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

// writeSecret writes s to path with mode 0600, atomically.
func writeSecret(path, s string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("create token dir: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".token-*")
	if err != nil {
		return fmt.Errorf("create token file: %w", err)
	}
	_, werr := tmp.WriteString(s + "\n")
	if werr == nil {
		werr = tmp.Sync()
	}
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("write token file: %w", werr)
	}
	return nil
}
