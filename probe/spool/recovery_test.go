package spool

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestSecondOpenOfSameDirRefused(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no directory lock on Windows")
	}
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use by another") {
		t.Fatalf("second open = %v, want in-use error", err)
	}
	_ = s.Close()
	s2 := mustOpen(t, dir, Options{}) // released on Close
	_ = s2.Close()
}
