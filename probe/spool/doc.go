// Package spool is the agent's crash-safe, bounded disk queue of results.
//
// # Layout
//
// A spool is a directory of append-only segment files named after the
// sequence number of their first record (00000000000000000042.seg) and one
// state file (state.json) holding the acknowledged position and the drop
// counters. Each record is
//
//	uint32 length | uint32 CRC-32C(seq, payload) | uint64 seq | payload
//
// in little-endian order. Sequence numbers are assigned by the spool, one per
// record, contiguous and strictly increasing for the life of the directory:
// on open the next number is one past the larger of the last record on disk
// and the acknowledged/dropped position in state.json, so a number is never
// reused even when every segment has been acknowledged and deleted.
//
// # Durability (fsync policy)
//
//   - Append writes all the records it is given with one write and fsyncs the
//     segment before returning: a record is "spooled" only once Append has
//     returned its sequence number. A new segment is followed by an fsync of
//     the directory so the file itself survives power loss.
//   - A crash (kill -9 or power loss) can leave a torn last record. Open scans
//     the newest segment, stops at the first record whose length, CRC or
//     sequence number is wrong, truncates the file there and fsyncs it. Records
//     before it are intact; the torn one was never reported as spooled.
//   - state.json is replaced atomically: write a temporary file, fsync it,
//     rename it over the old one, fsync the directory. Segment files are
//     deleted only after the state that makes them unnecessary is durable, so
//     a crash in between at worst leaves a file that the next Open deletes.
//     Ack is therefore durable when it returns.
//   - The newest segment is kept even when fully acknowledged, so the highest
//     sequence number survives the loss of state.json. An unreadable state
//     file is set aside (state.json.corrupt) and the spool starts from its
//     segments: records are offered again (the server is idempotent on
//     probe and seq) rather than the agent refusing to start.
//   - A damaged record in the middle of a segment (bit rot; a torn tail is
//     repaired on open) ends that segment for Read: the records after it in
//     that segment are counted as dropped, so it never blocks delivery.
//
// # Bounds
//
// The total size of all segments stays under Options.MaxBytes. When an append
// would pass it, the oldest segments are deleted whether or not they were
// delivered; how many undelivered records that dropped is added to the
// persisted drop counter (Stats.Dropped), which the agent reports to the
// server. When the disk itself is full, Append deletes the oldest segment,
// retries once and otherwise returns an error wrapping ErrDiskFull; the
// records it was given count as dropped and the spool stays usable.
//
// # Windows
//
// Renames and deletes go through probe/safefs, which retries them while
// another process (antivirus, backup) holds the file; a delivered segment
// that still cannot be deleted is remembered and deleted later, never failing
// Open or Ack. A failed append is cut off through a handle of its own (the
// append-only handle may not truncate there); if even that fails, the
// segment is sealed and new records start a new one. Full disks are
// recognised by ENOSPC/EDQUOT on Unix and ERROR_DISK_FULL /
// ERROR_HANDLE_DISK_FULL on Windows.
//
// One process at a time may use a spool directory: Open takes an exclusive
// lock on dir/lock (flock on Unix, LockFileEx on Windows) and refuses a
// directory another process holds.
package spool
