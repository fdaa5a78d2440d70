package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// A mis-mounted secret file stops serve at start, naming the variable,
// rather than passing for an unset secret ("Slack is not configured").
func TestServeFailsOnUnreadableSecretFile(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("SLACK_BOT_TOKEN_FILE", filepath.Join(t.TempDir(), "missing"))
	err := runServe(t.Context(), []string{"-database", "postgres://unused.invalid/x"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN_FILE") {
		t.Fatalf("runServe = %v, want the unreadable SLACK_BOT_TOKEN_FILE named", err)
	}
	// Given on the command line, the flag wins over the broken file.
	err = runServe(t.Context(), []string{"-slack-token", "xoxb-1", "-database", "postgres://127.0.0.1:1/x?connect_timeout=1"}, io.Discard, io.Discard)
	if err == nil || strings.Contains(err.Error(), "SLACK_BOT_TOKEN_FILE") {
		t.Fatalf("runServe with -slack-token = %v, want a failure past the secrets (the database)", err)
	}
}

// TestServeRefusesABadPublicURL: -public-url is checked with the other
// flags, before any database is opened (the address here does not exist).
func TestServeRefusesABadPublicURL(t *testing.T) {
	err := runServe(t.Context(), []string{"-public-url", "pantau.example.go.id", "-database", "postgres://unused.invalid/x"}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "-public-url") {
		t.Fatalf("runServe = %v, want the -public-url named", err)
	}
}
