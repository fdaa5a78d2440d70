package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

var ctx = context.Background()

func mustOpen(t *testing.T, dir string, opt Options) *Spool {
	t.Helper()
	s, err := Open(dir, opt)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustAppend(t *testing.T, s *Spool, payloads ...string) []uint64 {
	t.Helper()
	var bs [][]byte
	for _, p := range payloads {
		bs = append(bs, []byte(p))
	}
	seqs, err := s.Append(ctx, bs...)
	if err != nil {
		t.Fatalf("append: %v", err)
	}
	return seqs
}

func mustRead(t *testing.T, s *Spool, max int) []Record {
	t.Helper()
	recs, err := s.Read(ctx, max)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return recs
}

// assertSeqs checks that recs carry exactly the seqs from..to with payloads
// "r<seq>".
func assertSeqs(t *testing.T, recs []Record, from, to uint64) {
	t.Helper()
	if uint64(len(recs)) != to-from+1 {
		t.Fatalf("got %d records, want seqs %d..%d", len(recs), from, to)
	}
	for i, r := range recs {
		want := from + uint64(i)
		if r.Seq != want || string(r.Payload) != fmt.Sprintf("r%d", want) {
			t.Fatalf("record %d = seq %d %q, want seq %d r%d", i, r.Seq, r.Payload, want, want)
		}
	}
}

// appendN appends records r<seq> until seq n, checking the seqs assigned.
func appendN(t *testing.T, s *Spool, from, to uint64) {
	t.Helper()
	for i := from; i <= to; i++ {
		got := mustAppend(t, s, fmt.Sprintf("r%d", i))
		if got[0] != i {
			t.Fatalf("append gave seq %d, want %d", got[0], i)
		}
	}
}

func TestAppendReadAck(t *testing.T) {
	t.Parallel()
	s := mustOpen(t, t.TempDir(), Options{})
	appendN(t, s, 1, 5)
	assertSeqs(t, mustRead(t, s, 3), 1, 3)
	assertSeqs(t, mustRead(t, s, 3), 1, 3) // unacknowledged: read again
	if err := s.Ack(ctx, 3); err != nil {
		t.Fatalf("ack: %v", err)
	}
	assertSeqs(t, mustRead(t, s, 10), 4, 5)
	if st := s.Stats(); st.Depth != 2 || st.LastSeq != 5 || st.Dropped != 0 {
		t.Fatalf("stats = %+v, want depth 2, last 5, dropped 0", st)
	}
	if err := s.Ack(ctx, 9); err == nil {
		t.Fatal("ack past the last assigned seq succeeded")
	}
}

func TestReopenKeepsPositionAndSeq(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, 1, 4)
	if err := s.Ack(ctx, 2); err != nil {
		t.Fatalf("ack: %v", err)
	}
	_ = s.Close()
	s = mustOpen(t, dir, Options{})
	assertSeqs(t, mustRead(t, s, 10), 3, 4)
	appendN(t, s, 5, 6)
	assertSeqs(t, mustRead(t, s, 10), 3, 6)
}

func TestSeqNeverReusedAfterEmptied(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, 1, 5)
	if err := s.Ack(ctx, 5); err != nil {
		t.Fatalf("ack: %v", err)
	}
	_ = s.Close()
	s = mustOpen(t, dir, Options{})
	// Only the newest segment stays, as the record of the highest seq.
	segs, _ := filepath.Glob(filepath.Join(dir, "*"+segExt))
	if len(segs) != 1 {
		t.Fatalf("segments after reopen: %v, want only the newest", segs)
	}
	if got := s.Stats(); got.Depth != 0 || got.LastSeq != 5 {
		t.Fatalf("stats after emptying = %+v, want depth 0 last 5", got)
	}
	appendN(t, s, 6, 7)
	_ = s.Close()
	s = mustOpen(t, dir, Options{})
	assertSeqs(t, mustRead(t, s, 10), 6, 7)
}

func TestTornTailTruncatedOnOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		tear func(t *testing.T, path string)
	}{
		{"partial header", func(t *testing.T, path string) { appendBytes(t, path, []byte{9, 0, 0}) }},
		{"partial payload", func(t *testing.T, path string) {
			appendBytes(t, path, appendRecord(nil, 4, []byte("r4-long-payload"))[:headerSize+3])
		}},
		{"bad crc on last record", func(t *testing.T, path string) {
			b := appendRecord(nil, 4, []byte("r4"))
			b[len(b)-1] ^= 0xff
			appendBytes(t, path, b)
		}},
		{"zeroed block after power loss", func(t *testing.T, path string) { appendBytes(t, path, make([]byte, 4096)) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			s := mustOpen(t, dir, Options{})
			appendN(t, s, 1, 3)
			_ = s.Close()
			path := filepath.Join(dir, segName(1))
			good := fileSize(t, path)
			tc.tear(t, path)
			s = mustOpen(t, dir, Options{})
			if got := fileSize(t, path); got != good {
				t.Fatalf("segment is %d bytes after open, want truncated to %d", got, good)
			}
			assertSeqs(t, mustRead(t, s, 10), 1, 3)
			appendN(t, s, 4, 5)
			_ = s.Close()
			s = mustOpen(t, dir, Options{})
			assertSeqs(t, mustRead(t, s, 10), 1, 5)
		})
	}
}

func TestBoundDropsOldestAndCounts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opt := Options{MaxBytes: 4096, SegmentBytes: 1024}
	s := mustOpen(t, dir, opt)
	const n = 200
	appendN(t, s, 1, n)
	st := s.Stats()
	if st.Bytes > opt.MaxBytes {
		t.Fatalf("spool holds %d bytes, bound is %d", st.Bytes, opt.MaxBytes)
	}
	recs := mustRead(t, s, n)
	first := recs[0].Seq
	assertSeqs(t, recs, first, n)
	if st.Dropped != first-1 || st.Depth != int64(n-first+1) {
		t.Fatalf("stats = %+v with oldest kept %d, want dropped %d depth %d", st, first, first-1, n-first+1)
	}
	// Acknowledged records are not counted when their segment goes.
	if err := s.Ack(ctx, n); err != nil {
		t.Fatalf("ack: %v", err)
	}
	appendN(t, s, n+1, n+40)
	_ = s.Close()
	s = mustOpen(t, dir, opt)
	if got := s.Stats().Dropped; got != first-1 {
		t.Fatalf("dropped after reopen = %d, want %d", got, first-1)
	}
	assertSeqs(t, mustRead(t, s, 100), n+1, n+40)
}

func TestDiskFull(t *testing.T) {
	t.Parallel()
	for _, errno := range diskFullErrnos {
		t.Run(errno.Error(), func(t *testing.T) {
			t.Parallel()
			testDiskFull(t, errno)
		})
	}
	// Any other write error is no disk-full: nothing is freed for it.
	if isDiskFull(&os.PathError{Op: "write", Path: "seg", Err: syscall.EIO}) {
		t.Fatal("EIO taken for a full disk")
	}
}

// testDiskFull injects errno, as this system's write answers it, through
// the spool's write seam.
func testDiskFull(t *testing.T, errno syscall.Errno) {
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{MaxBytes: 4096, SegmentBytes: 512})
	appendN(t, s, 1, 40)
	full := &os.PathError{Op: "write", Path: "seg", Err: errno}
	real := s.write

	// Full once, after part of the records reached the file: the part is
	// cut off, the oldest segment goes and the retry succeeds.
	fails := 1
	s.write = func(f *os.File, b []byte) (int, error) {
		if fails > 0 {
			fails--
			n, _ := f.Write(b[:len(b)/2])
			return n, full
		}
		return real(f, b)
	}
	appendN(t, s, 41, 41)
	if s.Stats().Dropped == 0 {
		t.Fatal("disk full freed no space: dropped is 0")
	}

	// Full for good: a clear error, the payload counts as dropped, no panic.
	s.write = func(*os.File, []byte) (int, error) { return 0, full }
	before := s.Stats().Dropped
	_, err := s.Append(ctx, []byte("lost"))
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("append on a full disk = %v, want ErrDiskFull", err)
	}
	if got := s.Stats().Dropped; got <= before {
		t.Fatalf("dropped = %d after a refused append, want more than %d", got, before)
	}

	// Space comes back: appends go on with the next seq, and every record
	// still on disk reads back whole (no half record was left behind).
	s.write = real
	appendN(t, s, 42, 43)
	recs := mustRead(t, s, 100)
	first := recs[0].Seq
	assertSeqs(t, recs, first, 43)
	_ = s.Close()
	s = mustOpen(t, dir, Options{MaxBytes: 4096, SegmentBytes: 512})
	assertSeqs(t, mustRead(t, s, 100), first, 43)
}

// A failed write is cut off the segment, with a handle that may truncate
// (the append handle may not on Windows): the next record follows the last
// good one directly.
func TestFailedWriteIsCutOff(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, 1, 3)
	path := filepath.Join(dir, segName(1))
	size := fileSize(t, path)
	real := s.write
	s.write = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)-3])
		return n, &os.PathError{Op: "write", Path: path, Err: syscall.EIO}
	}
	if _, err := s.Append(ctx, []byte("r4")); err == nil || !strings.Contains(err.Error(), "write segment") {
		t.Fatalf("append with a failing write = %v, want 'write segment' error", err)
	}
	if got := fileSize(t, path); got != size {
		t.Fatalf("segment is %d bytes after the failed write, want it cut back to %d", got, size)
	}
	s.write = real
	appendN(t, s, 4, 5)
	_ = s.Close()
	s = mustOpen(t, dir, Options{})
	assertSeqs(t, mustRead(t, s, 100), 1, 5)
}

// When even the cut fails, the error says so, the segment is sealed and the
// next records go to a new segment, so no record ever follows the garbage.
func TestFailedCutSealsSegment(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, 1, 3)
	real := s.write
	s.write = func(f *os.File, b []byte) (int, error) {
		n, _ := f.Write(b[:len(b)-3])
		return n, &os.PathError{Op: "write", Path: "seg", Err: syscall.EIO}
	}
	s.truncate = func(context.Context, string, int64) error { return errors.New("truncate refused") }
	_, err := s.Append(ctx, []byte("r4"))
	if err == nil || !strings.Contains(err.Error(), "write segment") || !strings.Contains(err.Error(), "undo: truncate refused") {
		t.Fatalf("append = %v, want the write error and the failed undo", err)
	}
	s.write, s.truncate = real, truncateFile
	appendN(t, s, 4, 6)
	if _, err := os.Stat(filepath.Join(dir, segName(4))); err != nil {
		t.Fatalf("no new segment after an uncut failed write: %v", err)
	}
	assertSeqs(t, mustRead(t, s, 100), 1, 6)
	// After a restart the garbage is met as damage: the good records come
	// first, then the next segment; only the refused result counts dropped.
	_ = s.Close()
	s = mustOpen(t, dir, Options{})
	assertSeqs(t, mustRead(t, s, 100), 1, 3)
	if err := s.Ack(ctx, 3); err != nil {
		t.Fatalf("ack: %v", err)
	}
	assertSeqs(t, mustRead(t, s, 100), 4, 6)
	if d := s.Stats().Dropped; d != 1 {
		t.Fatalf("dropped %d, want 1 (the refused result): the garbage held no record", d)
	}
}

func appendBytes(t *testing.T, path string, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Write(b); err != nil {
		t.Fatalf("write: %v", err)
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.Size()
}

func TestDropCountsAndMovesOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	s := mustOpen(t, dir, Options{})
	appendN(t, s, 1, 5)
	if err := s.Ack(ctx, 2); err != nil {
		t.Fatal(err)
	}
	assertSeqs(t, mustRead(t, s, 1), 3, 3)
	if err := s.Drop(ctx, 3); err != nil {
		t.Fatalf("drop: %v", err)
	}
	assertSeqs(t, mustRead(t, s, 10), 4, 5)
	if st := s.Stats(); st.Dropped != 1 || st.Depth != 2 {
		t.Fatalf("stats = %+v, want 1 dropped, depth 2", st)
	}
	if err := s.Drop(ctx, 9); err == nil {
		t.Fatal("drop past the last assigned seq succeeded")
	}
	_ = s.Close()
	s = mustOpen(t, dir, Options{})
	if st := s.Stats(); st.Dropped != 1 {
		t.Fatalf("dropped after reopen = %d, want 1", st.Dropped)
	}
	assertSeqs(t, mustRead(t, s, 10), 4, 5)
}
