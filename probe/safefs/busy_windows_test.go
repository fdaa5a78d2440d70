//go:build windows

package safefs

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/windows"
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
	// The scenario is real: a plain rename over the held file fails.
	other := filepath.Join(dir, "other")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err == nil || !isBusy(err) {
		t.Fatalf("plain rename over a held file = %v, want a busy error", err)
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

// A scanner that opens a file without sharing it at all makes every open
// fail with a sharing violation until it lets go.
func TestOpenFileHeldExclusively(t *testing.T) {
	path := filepath.Join(t.TempDir(), "00000000000000000001.seg")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	name, err := windows.UTF16PtrFromString(path)
	if err != nil {
		t.Fatal(err)
	}
	h, err := windows.CreateFile(name, windows.GENERIC_READ, 0, nil, windows.OPEN_EXISTING, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if f, err := os.OpenFile(path, os.O_RDWR, 0); err == nil || !isBusy(err) {
		if f != nil {
			_ = f.Close()
		}
		t.Fatalf("open of an exclusively held file = %v, want a busy error", err)
	}
	go func() {
		time.Sleep(200 * time.Millisecond)
		_ = windows.CloseHandle(h)
	}()
	f, err := OpenFile(context.Background(), path, os.O_RDWR, 0)
	if err != nil {
		t.Fatalf("open while held for 200 ms: %v", err)
	}
	_ = f.Close()
}
