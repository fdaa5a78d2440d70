package spool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/pantau-id/pantau/probe/safefs"
)

// Read returns up to max of the oldest unacknowledged records, in sequence
// order, without removing them. Calling it again before Ack returns the same
// records (and perhaps more).
func (s *Spool) Read(ctx context.Context, max int) ([]Record, error) {
	if err := checkCtx(ctx); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	floor := s.st.floor()
	cur := s.cur
	if cur.seq != floor+1 || !s.hasSeg(cur.seg) {
		cur = cursor{seq: floor + 1}
		for _, g := range s.segs {
			if g.last > floor {
				cur.seg = g.first
				break
			}
		}
	}
	s.read = s.read[:0]
	var out []Record
	for _, g := range s.segs {
		if g.first < cur.seg || g.last < cur.seq || len(out) >= max {
			continue
		}
		off := int64(0)
		if g.first == cur.seg {
			off = cur.off
		}
		recs, err := s.readSegment(ctx, g, off, floor, max-len(out))
		out = append(out, recs...)
		switch {
		case errors.Is(err, errTorn) && len(out) > 0:
			// Deliver the good records first; the next Read, starting at
			// the damage, skips it.
			return out, nil
		case errors.Is(err, errTorn):
			if err := s.skipDamaged(ctx, g, floor, err); err != nil {
				return nil, err
			}
			floor = s.st.floor()
		case err != nil:
			return nil, err
		}
	}
	return out, nil
}

// skipDamaged drops the rest of a segment whose next record is damaged (bit
// rot, a bad sector: not a torn tail, which Open repairs), so one bad spot
// can never block delivery. The segment takes no more appends.
func (s *Spool) skipDamaged(ctx context.Context, g segment, floor uint64, cause error) error {
	lost := g.last - floor
	s.st.Dropped += lost
	s.st.DroppedThrough = max(s.st.DroppedThrough, g.last)
	s.log.Error("spool: damaged segment, skipping the rest of it", "segment", segName(g.first),
		"dropped", lost, "first_seq", floor+1, "last_seq", g.last, "err", cause)
	if err := saveState(ctx, s.dir, s.st); err != nil {
		return err
	}
	if g.first == s.segs[len(s.segs)-1].first {
		return s.sealActive() // new records go to a fresh segment
	}
	return nil
}

// readSegment reads up to max records past floor from seg starting at off,
// noting the end position of each in s.read.
func (s *Spool) readSegment(ctx context.Context, seg segment, off int64, floor uint64, max int) ([]Record, error) {
	path := filepath.Join(s.dir, segName(seg.first))
	f, err := safefs.OpenFile(ctx, path, os.O_RDONLY, 0)
	if err != nil {
		return nil, fmt.Errorf("open segment for read: %w", err)
	}
	defer func() { _ = f.Close() }()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return nil, fmt.Errorf("seek segment: %w", err)
	}
	r := bufio.NewReaderSize(f, 64<<10)
	var out []Record
	for off < seg.size && len(out) < max {
		rec, n, err := readRecord(r)
		if err != nil {
			return out, fmt.Errorf("read %s at %d: %w", path, off, err)
		}
		off += n
		if rec.Seq <= floor {
			continue
		}
		out = append(out, rec)
		s.read = append(s.read, cursor{seg: seg.first, off: off, seq: rec.Seq + 1})
	}
	return out, nil
}

// hasSeg reports whether a segment starting at first exists.
func (s *Spool) hasSeg(first uint64) bool {
	for _, g := range s.segs {
		if g.first == first {
			return true
		}
	}
	return false
}

// Ack records that every record up to and including seq was delivered, so
// they are never returned again, and deletes segments no longer needed.
// The position is durable when Ack returns.
func (s *Spool) Ack(ctx context.Context, seq uint64) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq <= s.st.floor() {
		return nil
	}
	if seq >= s.nextSeq {
		return fmt.Errorf("spool: ack of seq %d, but only %d were assigned", seq, s.nextSeq-1)
	}
	s.st.Acked = seq
	if err := saveState(ctx, s.dir, s.st); err != nil {
		return err
	}
	s.advance(ctx, seq)
	return nil
}

// Drop gives up the records through seq unsent (the server refuses them
// every time): like Ack they are never returned again, but they count in
// Stats().Dropped, which the agent reports. Durable when Drop returns.
func (s *Spool) Drop(ctx context.Context, seq uint64) error {
	if err := checkCtx(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	floor := s.st.floor()
	if seq <= floor {
		return nil
	}
	if seq >= s.nextSeq {
		return fmt.Errorf("spool: drop of seq %d, but only %d were assigned", seq, s.nextSeq-1)
	}
	s.st.Dropped += seq - floor
	s.st.DroppedThrough = seq
	if err := saveState(ctx, s.dir, s.st); err != nil {
		return err
	}
	s.advance(ctx, seq)
	return nil
}

// advance moves the read cursor past seq, now delivered or dropped, and
// deletes the segments no longer needed.
func (s *Spool) advance(ctx context.Context, seq uint64) {
	for _, c := range s.read {
		if c.seq == seq+1 {
			s.cur = c
		}
	}
	s.removeDone(ctx)
}
