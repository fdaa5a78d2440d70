package spool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/pantau-id/pantau/probe/safefs"
)

// ErrDiskFull is wrapped by Append's error when the disk has no room even
// after the oldest segment was deleted.
var ErrDiskFull = errors.New("spool: disk full")

// Options bound and tune a spool. Zero values take the defaults.
type Options struct {
	// MaxBytes bounds the total size of all segments (default 64 MiB).
	MaxBytes int64
	// SegmentBytes is the size at which a new segment is started
	// (default MaxBytes/8, at least 64 KiB, at most MaxBytes).
	SegmentBytes int64
	// Logger receives warnings about torn tails and dropped data.
	Logger *slog.Logger
}

// DefaultMaxBytes is the default bound on a spool's size.
const DefaultMaxBytes = 64 << 20

// Stats describes a spool for the agent's health report.
type Stats struct {
	// Depth is the number of records not yet acknowledged.
	Depth int64
	// Dropped counts records lost unsent, ever, in this directory.
	Dropped uint64
	// Bytes is the size of all segments.
	Bytes int64
	// LastSeq is the highest sequence number ever assigned.
	LastSeq uint64
}

// cursor is where the next unacknowledged record starts.
type cursor struct {
	seg uint64 // first seq of the segment
	off int64
	seq uint64
}

// Spool is a crash-safe, bounded queue of records on disk. Its methods are
// safe for concurrent use.
type Spool struct {
	mu      sync.Mutex
	dir     string
	opt     Options
	log     *slog.Logger
	segs    []segment // oldest first; the last one receives appends
	active  *os.File  // open for append on segs[len-1], or nil
	lock    *os.File  // held for the life of the Spool, or nil
	nextSeq uint64
	st      state
	cur     cursor
	read    []cursor // end position after each record of the last Read
	// stray are segments (by first seq) no longer needed whose files could
	// not be deleted yet.
	stray []uint64
	// write and truncate are the file operations of an append and of its
	// undo, replaceable in tests to simulate a full disk or a file that
	// cannot be cut.
	write    func(f *os.File, b []byte) (int, error)
	truncate func(ctx context.Context, path string, size int64) error
}

// Open opens or creates the spool in dir, repairing a torn tail.
func Open(dir string, opt Options) (*Spool, error) {
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.SegmentBytes <= 0 {
		opt.SegmentBytes = max(opt.MaxBytes/8, 64<<10)
	}
	opt.SegmentBytes = min(opt.SegmentBytes, opt.MaxBytes)
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create spool dir: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Spool{dir: dir, opt: opt, log: opt.Logger, write: (*os.File).Write, truncate: truncateFile, lock: lock}
	ok := false
	defer func() {
		if !ok && lock != nil {
			_ = lock.Close()
		}
	}()
	// Open predates contexts in this API; its I/O is bounded by safefs'
	// retries.
	ctx := context.Background()
	st, err := loadState(dir)
	if errors.Is(err, errBadState) {
		// Refusing to start would be a crash loop that loses every result
		// from now on. Start from the segments instead: the newest one is
		// always kept, so seqs go on past it, and resending the older ones
		// is safe because the server is idempotent on (probe, seq).
		aside := filepath.Join(dir, stateFile+".corrupt")
		_ = safefs.Rename(ctx, filepath.Join(dir, stateFile), aside)
		opt.Logger.Error("spool: state file unreadable, set aside; undelivered-position and drop count reset",
			"moved_to", aside, "err", err)
		st, err = state{}, nil
	}
	if err != nil {
		return nil, err
	}
	s.st = st
	if err := s.loadSegments(ctx); err != nil {
		return nil, err
	}
	last := uint64(0)
	if n := len(s.segs); n > 0 {
		last = s.segs[n-1].last
	}
	s.nextSeq = max(last, s.st.floor()) + 1
	s.removeDone(ctx)
	ok = true
	return s, nil
}

// loadSegments lists the segment files and scans the newest for a torn tail.
func (s *Spool) loadSegments(ctx context.Context) error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fmt.Errorf("list spool dir: %w", err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			_ = safefs.Remove(ctx, filepath.Join(s.dir, e.Name())) // an interrupted state write
			continue
		}
		first, ok := parseSegName(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return fmt.Errorf("stat segment: %w", err)
		}
		s.segs = append(s.segs, segment{first: first, size: info.Size()})
	}
	sort.Slice(s.segs, func(i, j int) bool { return s.segs[i].first < s.segs[j].first })
	for i := range s.segs[:max(len(s.segs)-1, 0)] {
		s.segs[i].last = s.segs[i+1].first - 1
	}
	if len(s.segs) == 0 {
		return nil
	}
	return s.repairTail(ctx, &s.segs[len(s.segs)-1])
}

// repairTail scans the newest segment, truncating it after its last good
// record, and sets its last seq.
func (s *Spool) repairTail(ctx context.Context, seg *segment) error {
	path := filepath.Join(s.dir, segName(seg.first))
	f, err := safefs.OpenFile(ctx, path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("open segment: %w", err)
	}
	defer func() { _ = f.Close() }()
	r := bufio.NewReader(f)
	var good int64
	seg.last = seg.first - 1
	for {
		rec, n, err := readRecord(r)
		if err == io.EOF {
			return nil
		}
		if err == nil && rec.Seq != seg.last+1 {
			err = fmt.Errorf("seq %d where %d was due: %w", rec.Seq, seg.last+1, errTorn)
		}
		if err != nil {
			s.log.Warn("spool: truncating torn tail", "segment", path, "offset", good,
				"bytes_dropped", seg.size-good, "err", err)
			if err := f.Truncate(good); err != nil {
				return fmt.Errorf("truncate torn tail of %s: %w", path, err)
			}
			if err := f.Sync(); err != nil {
				return fmt.Errorf("sync truncated segment: %w", err)
			}
			seg.size = good
			return nil
		}
		good += n
		seg.last = rec.Seq
	}
}

// removeDone deletes segments that hold nothing left to deliver, except the
// newest: its name and records carry the highest seq even if state.json is
// lost. The state that makes them unnecessary is durable when this runs, so
// a file that cannot be deleted now (another process holds it) only costs
// disk space until a later call: it never fails the caller.
func (s *Spool) removeDone(ctx context.Context) {
	floor := s.st.floor()
	for len(s.segs) > 1 && s.segs[0].last <= floor {
		first := s.segs[0].first
		s.segs = s.segs[1:]
		s.removeSegFile(ctx, first, "delivered")
	}
	if len(s.stray) > 0 {
		stray := s.stray
		s.stray = nil
		for _, first := range stray {
			s.removeSegFile(ctx, first, "leftover")
		}
	}
}

// removeSegFile deletes the file of a segment already taken out of s.segs.
// If it cannot be deleted even after safefs' retries, it is remembered in
// s.stray and tried again by the next removeDone (and, failing that, found
// and deleted by the next Open, since the state covers its records).
func (s *Spool) removeSegFile(ctx context.Context, first uint64, why string) {
	path := filepath.Join(s.dir, segName(first))
	if err := safefs.Remove(ctx, path); err != nil {
		s.stray = append(s.stray, first)
		s.log.Warn("spool: cannot delete a "+why+" segment now; will try again", "segment", path, "err", err)
		return
	}
	if err := safefs.SyncDir(s.dir); err != nil {
		s.log.Warn("spool: segment deleted, but the folder could not be synced", "segment", path, "err", err)
	}
}

// Stats returns the spool's depth, drop count and size.
func (s *Spool) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	var bytes int64
	for _, g := range s.segs {
		bytes += g.size
	}
	last := s.nextSeq - 1
	return Stats{Depth: int64(last - min(s.st.floor(), last)), Dropped: s.st.Dropped, Bytes: bytes, LastSeq: last}
}

// Close closes the segment open for appends and releases the directory.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	err := s.closeActive()
	if s.lock != nil {
		_ = s.lock.Close()
		s.lock = nil
	}
	return err
}

// checkCtx returns ctx's error wrapped for the spool.
func checkCtx(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("spool: %w", err)
	}
	return nil
}
