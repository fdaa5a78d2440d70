//go:build windows

package safefs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestRenameOverFileHeldByAnotherHandle is what antivirus does: it opens
// state.json (Go's os.Open shares read and write, not delete), so a rename
// over it fails with ERROR_ACCESS_DENIED until the handle is closed. The
// write must wait it out instead of failing.
func TestRenameOverFileHeldByAnotherHandle(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = held.Close()
		close(released)
	}()
	if err := WriteFile(context.Background(), path, []byte("new"), Options{Label: "spool state"}); err != nil {
		t.Fatalf("write while another handle held the file for 200 ms: %v", err)
	}
	<-released
	if got, _ := os.ReadFile(path); string(got) != "new" {
		t.Fatalf("content %q, want new", got)
	}
}

func TestRemoveFileHeldByAnotherHandle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "00000000000000000001.seg")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	held, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = held.Close()
	}()
	if err := Remove(context.Background(), path); err != nil {
		t.Fatalf("remove while another handle held the file for 200 ms: %v", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("file still there: %v", err)
	}
}
