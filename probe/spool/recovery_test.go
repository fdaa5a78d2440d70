package spool

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCorruptStateFileDoesNotStopTheSpool(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := Options{MaxBytes: 1 << 20, SegmentBytes: 200}
	s := mustOpen(t, dir, opt)
	appendN(t, s, 1, 30)
	if err := s.Ack(ctx, 30); err != nil {
		t.Fatalf("ack: %v", err)
	}
	_ = s.Close()
	if err := os.WriteFile(filepath.Join(dir, stateFile), []byte("{\x00garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, opt)
	// The position is gone, so what is left on disk is offered again (the
	// server deduplicates), but seqs go on past the highest ever given.
	recs := mustRead(t, s, 100)
	if len(recs) == 0 || recs[len(recs)-1].Seq != 30 {
		t.Fatalf("after losing state read %d records, want the newest segment ending at 30", len(recs))
	}
	appendN(t, s, 31, 31)
	if _, err := os.Stat(filepath.Join(dir, stateFile+".corrupt")); err != nil {
		t.Fatalf("corrupt state not set aside: %v", err)
	}
}

func TestDamagedRecordIsSkippedNotBlocking(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := Options{MaxBytes: 1 << 20, SegmentBytes: 100}
	s := mustOpen(t, dir, opt)
	appendN(t, s, 1, 12) // several segments of about 5 records
	_ = s.Close()
	// Flip a byte inside the third record of the first segment.
	path := filepath.Join(dir, segName(1))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rec := headerSize + 2 // "r1" is 2 bytes
	b[2*rec+headerSize] ^= 0xff
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, dir, opt)
	assertSeqs(t, mustRead(t, s, 100), 1, 2) // the good ones first
	if err := s.Ack(ctx, 2); err != nil {
		t.Fatalf("ack: %v", err)
	}
	recs := mustRead(t, s, 100)
	first := recs[0].Seq
	assertSeqs(t, recs, first, 12)
	if got := s.Stats().Dropped; got != first-3 || first <= 3 {
		t.Fatalf("dropped %d, next delivered %d: want the damaged segment's rest (3..%d) counted", got, first, first-1)
	}
}

func TestSecondOpenOfSameDirRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	if _, err := Open(dir, Options{}); err == nil || !strings.Contains(err.Error(), "in use by another") {
		t.Fatalf("second open = %v, want in-use error", err)
	}
	_ = s.Close()
	s2 := mustOpen(t, dir, Options{}) // released on Close
	_ = s2.Close()
}
