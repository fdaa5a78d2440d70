//go:build windows

package spool

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Antivirus opens state.json for a moment: Ack waits it out.
func TestAckWhileStateFileHeld(t *testing.T) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, 1, 4)
	if err := s.Ack(ctx, 1); err != nil {
		t.Fatalf("ack: %v", err)
	}
	held, err := os.Open(filepath.Join(dir, stateFile))
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		time.Sleep(300 * time.Millisecond)
		_ = held.Close()
	}()
	if err := s.Ack(ctx, 3); err != nil {
		t.Fatalf("ack while state.json was held for 300 ms: %v", err)
	}
	assertSeqs(t, mustRead(t, s, 10), 4, 4)
}

// A delivered segment held open for longer than the retries neither fails
// Ack nor Open; it is deleted once it is free.
func TestHeldSegmentIsDeletedLater(t *testing.T) {
	dir := t.TempDir()
	opt := Options{MaxBytes: 1 << 20, SegmentBytes: 100}
	s := mustOpen(t, dir, opt)
	appendN(t, s, 1, 12)
	oldest := filepath.Join(dir, segName(1))
	held, err := os.Open(oldest)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ack(ctx, 12); err != nil {
		t.Fatalf("ack with a delivered segment held open: %v", err)
	}
	if _, err := os.Stat(oldest); err != nil {
		t.Fatalf("held segment gone while held? %v", err)
	}
	_ = s.Close()
	s = mustOpen(t, dir, opt) // the held file does not stop the start
	_ = held.Close()
	appendN(t, s, 13, 13)
	if err := s.Ack(ctx, 13); err != nil {
		t.Fatalf("ack: %v", err)
	}
	if _, err := os.Stat(oldest); !os.IsNotExist(err) {
		t.Fatalf("delivered segment still there once free: %v", err)
	}
}
