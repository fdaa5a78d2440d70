package spool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pantau-id/pantau/probe/safefs"
)

// Append spools payloads as consecutive records and returns their sequence
// numbers. The records are on disk (fsynced) when it returns without error.
// On a full disk it frees the oldest segment and retries once; if that
// fails too the payloads count as dropped and the error wraps ErrDiskFull.
func (s *Spool) Append(ctx context.Context, payloads ...[]byte) ([]uint64, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	if len(payloads) == 0 {
		return nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var buf []byte
	seqs := make([]uint64, len(payloads))
	for i, p := range payloads {
		if len(p) > MaxRecord {
			return nil, fmt.Errorf("spool: record %d is %d bytes, more than %d", i, len(p), MaxRecord)
		}
		seqs[i] = s.nextSeq + uint64(i)
		buf = appendRecord(buf, seqs[i], p)
	}
	if int64(len(buf)) > s.opt.MaxBytes {
		return nil, fmt.Errorf("spool: %d bytes of records exceed the %d byte bound", len(buf), s.opt.MaxBytes)
	}
	err := s.appendLocked(ctx, buf)
	if err != nil && isDiskFull(err) {
		s.log.Warn("spool: disk full, dropping the oldest segment and retrying", "err", err)
		if derr := s.dropOldest(ctx, true); derr == nil {
			err = s.appendLocked(ctx, buf)
		}
	}
	if err != nil {
		s.st.Dropped += uint64(len(payloads))
		if serr := saveState(ctx, s.dir, s.st); serr != nil {
			s.log.Error("spool: cannot persist drop count", "err", serr)
		}
		if isDiskFull(err) {
			return nil, fmt.Errorf("%w: %d records dropped: %v", ErrDiskFull, len(payloads), err)
		}
		return nil, fmt.Errorf("spool append: %w", err)
	}
	s.nextSeq += uint64(len(payloads))
	s.segs[len(s.segs)-1].last = s.nextSeq - 1
	return seqs, nil
}

// appendLocked makes room for buf, writes it to the active segment and
// fsyncs. A failed write is cut back off (see undo) so no partial record
// remains.
func (s *Spool) appendLocked(ctx context.Context, buf []byte) error {
	n := int64(len(buf))
	for s.total()+n > s.opt.MaxBytes && len(s.segs) > 0 {
		if err := s.dropOldest(ctx, false); err != nil {
			return err
		}
	}
	if len(s.segs) > 0 && s.segs[len(s.segs)-1].size > 0 && s.segs[len(s.segs)-1].size+n > s.opt.SegmentBytes {
		if err := s.sealActive(); err != nil {
			return err
		}
	}
	if err := s.openActive(ctx); err != nil {
		return err
	}
	seg := &s.segs[len(s.segs)-1]
	if _, err := s.write(s.active, buf); err != nil {
		return s.undo(ctx, seg, fmt.Errorf("write segment: %w", err))
	}
	if err := s.active.Sync(); err != nil {
		return s.undo(ctx, seg, fmt.Errorf("sync segment: %w", err))
	}
	seg.size += n
	return nil
}

// undo cuts a failed append back off seg, returning cause. The segment is
// open append-only, and on Windows such a handle may not truncate, so the cut
// goes through a handle of its own. If even that fails the tail may hold part
// of a record: the segment is sealed, so new records go to a fresh segment and
// never follow the garbage, and reads stop at seg.size, before it.
func (s *Spool) undo(ctx context.Context, seg *segment, cause error) error {
	path := filepath.Join(s.dir, segName(seg.first))
	err := s.truncate(ctx, path, seg.size)
	if err == nil {
		return cause
	}
	s.log.Error("spool: cannot cut a failed write off its segment; starting a new segment",
		"segment", path, "size", seg.size, "err", err)
	if serr := s.sealActive(); serr != nil {
		err = errors.Join(err, serr)
	}
	return fmt.Errorf("%w; undo: %w", cause, err)
}

// truncateFile cuts the file at path to size and syncs it.
func truncateFile(ctx context.Context, path string, size int64) error {
	f, err := safefs.OpenFile(ctx, path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open segment to truncate: %w", err)
	}
	err = f.Truncate(size)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("truncate segment: %w", err)
	}
	return nil
}

// sealActive closes the segment receiving appends and marks it full, so the
// next append starts a new segment.
func (s *Spool) sealActive() error {
	if n := len(s.segs); n > 0 {
		s.segs[n-1].sealed = true
	}
	return s.closeActive()
}

// openActive makes sure a segment is open for appends: the newest one while
// it has room, otherwise a new one named after the next seq.
func (s *Spool) openActive(ctx context.Context) error {
	if s.active != nil {
		return nil
	}
	if n := len(s.segs); n > 0 && !s.segs[n-1].sealed && s.segs[n-1].size < s.opt.SegmentBytes && s.segs[n-1].last == s.nextSeq-1 {
		f, err := safefs.OpenFile(ctx, filepath.Join(s.dir, segName(s.segs[n-1].first)), os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return fmt.Errorf("open segment: %w", err)
		}
		s.active = f
		return nil
	}
	f, err := safefs.OpenFile(ctx, filepath.Join(s.dir, segName(s.nextSeq)), os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("create segment: %w", err)
	}
	if err := safefs.SyncDir(s.dir); err != nil {
		_ = f.Close()
		return fmt.Errorf("new segment: %w", err)
	}
	s.active = f
	s.segs = append(s.segs, segment{first: s.nextSeq, last: s.nextSeq - 1})
	return nil
}

// closeActive closes the segment receiving appends so the next append
// starts a new one.
func (s *Spool) closeActive() error {
	if s.active == nil {
		return nil
	}
	err := s.active.Close()
	s.active = nil
	if err != nil {
		return fmt.Errorf("close segment: %w", err)
	}
	return nil
}

// dropOldest deletes the oldest segment, counting its undelivered records
// as dropped. The active segment is closed first when it is the only one.
// With diskFull the state write may itself fail; the file is deleted anyway
// so the disk gets room. A file another process holds is deleted later.
func (s *Spool) dropOldest(ctx context.Context, diskFull bool) error {
	if len(s.segs) == 0 {
		return fmt.Errorf("spool: nothing to drop")
	}
	if len(s.segs) == 1 {
		if err := s.closeActive(); err != nil {
			return err
		}
	}
	seg := s.segs[0]
	floor := s.st.floor()
	if seg.last > floor {
		lost := seg.last - max(seg.first-1, floor)
		s.st.Dropped += lost
		s.st.DroppedThrough = seg.last
		s.log.Warn("spool: full, dropping oldest undelivered results",
			"dropped", lost, "first_seq", max(seg.first, floor+1), "last_seq", seg.last, "dropped_total", s.st.Dropped)
		if err := saveState(ctx, s.dir, s.st); err != nil && !diskFull {
			return err
		}
	}
	s.segs = s.segs[1:]
	s.removeSegFile(ctx, seg.first, "dropped")
	return nil
}

// total is the size of all segments.
func (s *Spool) total() int64 {
	var t int64
	for _, g := range s.segs {
		t += g.size
	}
	return t
}
