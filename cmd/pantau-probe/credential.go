package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pantau-id/pantau/probe/safefs"
	"github.com/pantau-id/pantau/probe/service"
)

// credential is what `pantau-probe enrol` keeps for the service: the
// probe's own token and the server it belongs to. The file is JSON, mode
// 0600, owned by the service account on Linux and restricted to SYSTEM and
// Administrators on Windows.
type credential struct {
	Server     string    `json:"server"`
	Token      string    `json:"token"`
	Office     string    `json:"office"`
	ProbeID    int64     `json:"probe_id"`
	EnrolledAt time.Time `json:"enrolled_at"`
	// ReleaseKey is the public key (ed25519:BASE64) the server gave at
	// enrolment: the only key a self-update may be signed with.
	ReleaseKey string `json:"release_public_key,omitempty"`
}

// defaultStateDir is the folder of the spool and the configuration cache.
func defaultStateDir(goos string, getenv func(string) string) string {
	switch goos {
	case "windows":
		return programData(getenv) + `\pantau-probe`
	case "darwin":
		return "/Library/Application Support/pantau-probe"
	}
	return "/var/lib/pantau-probe"
}

// defaultConfigDir is the folder of the config file and the credential.
func defaultConfigDir(goos string, getenv func(string) string) string {
	if goos == "windows" {
		return programData(getenv) + `\pantau-probe`
	}
	return "/etc/pantau-probe"
}

// programData is %ProgramData%, C:\ProgramData when unset.
func programData(getenv func(string) string) string {
	if base := getenv("ProgramData"); base != "" {
		return base
	}
	return `C:\ProgramData`
}

// defaultCredentialFile is where enrol writes and the agent reads the
// credential.
func defaultCredentialFile(goos string, getenv func(string) string) string {
	if goos == "windows" {
		return defaultConfigDir(goos, getenv) + `\credential.json`
	}
	return defaultConfigDir(goos, getenv) + "/credential.json"
}

// readCredential reads the credential at path; ok is false when there is
// none.
func readCredential(path string) (credential, bool, error) {
	b, err := os.ReadFile(filepath.Clean(path))
	if errors.Is(err, os.ErrNotExist) {
		return credential{}, false, nil
	}
	if err != nil {
		if errors.Is(err, os.ErrPermission) {
			return credential{}, false, fmt.Errorf("credential_file %s: %w (it is readable only by the service: run this as %s)", path, err, elevationName())
		}
		return credential{}, false, fmt.Errorf("credential_file: %w", err)
	}
	var c credential
	if err := json.Unmarshal(b, &c); err != nil {
		return credential{}, false, fmt.Errorf("credential_file %s: %w", path, err)
	}
	if strings.TrimSpace(c.Token) == "" || strings.TrimSpace(c.Server) == "" {
		return credential{}, false, fmt.Errorf("credential_file %s: no server or token in it; enrol again", path)
	}
	return c, true, nil
}

// writeCredential writes c to path atomically, restricted to account (see
// service.Restrict) before the secret goes in: os.CreateTemp makes the file
// 0600 on Unix, but on Windows it inherits the folder's ACL.
func writeCredential(ctx context.Context, path string, c credential, account string) error {
	return safefs.WriteJSON(ctx, path, c, 0o755, safefs.Options{
		Label: "credential file",
		Prepare: func(ctx context.Context, tmp string) error {
			return service.Restrict(ctx, tmp, account)
		},
	})
}
