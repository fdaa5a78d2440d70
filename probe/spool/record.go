package spool

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"path/filepath"
	"strconv"
	"strings"
)

// headerSize is the length of a record header: length, CRC, seq.
const headerSize = 16

// MaxRecord is the largest payload one record may hold.
const MaxRecord = 1 << 20

// segExt is the file name extension of segment files.
const segExt = ".seg"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errTorn marks a record that is incomplete or fails its checks.
var errTorn = errors.New("torn or corrupt record")

// Record is one spooled payload with the sequence number it was given.
type Record struct {
	Seq     uint64
	Payload []byte
}

// recordCRC is the checksum of seq and payload.
func recordCRC(seq uint64, payload []byte) uint32 {
	var s [8]byte
	binary.LittleEndian.PutUint64(s[:], seq)
	c := crc32.Update(0, castagnoli, s[:])
	return crc32.Update(c, castagnoli, payload)
}

// appendRecord encodes one record onto buf.
func appendRecord(buf []byte, seq uint64, payload []byte) []byte {
	var h [headerSize]byte
	binary.LittleEndian.PutUint32(h[0:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(h[4:], recordCRC(seq, payload))
	binary.LittleEndian.PutUint64(h[8:], seq)
	buf = append(buf, h[:]...)
	return append(buf, payload...)
}

// readRecord reads the next record from r. It returns io.EOF at a clean end
// and errTorn for a partial or corrupt record.
func readRecord(r *bufio.Reader) (Record, int64, error) {
	var h [headerSize]byte
	n, err := io.ReadFull(r, h[:])
	if err == io.EOF {
		return Record{}, 0, io.EOF
	}
	if err != nil {
		return Record{}, 0, fmt.Errorf("header after %d bytes: %w", n, errTorn)
	}
	size := binary.LittleEndian.Uint32(h[0:])
	if size > MaxRecord {
		return Record{}, 0, fmt.Errorf("length %d: %w", size, errTorn)
	}
	rec := Record{Seq: binary.LittleEndian.Uint64(h[8:]), Payload: make([]byte, size)}
	if _, err := io.ReadFull(r, rec.Payload); err != nil {
		return Record{}, 0, fmt.Errorf("payload of seq %d: %w", rec.Seq, errTorn)
	}
	if recordCRC(rec.Seq, rec.Payload) != binary.LittleEndian.Uint32(h[4:]) {
		return Record{}, 0, fmt.Errorf("crc of seq %d: %w", rec.Seq, errTorn)
	}
	return rec, headerSize + int64(size), nil
}

// segment is one segment file: records first..last (last = first-1 when
// empty) in size bytes.
type segment struct {
	first, last uint64
	size        int64
	// sealed segments take no more appends: full, damaged, or holding an
	// uncut failed write.
	sealed bool
}

// segName is the file name of the segment whose first record is first.
func segName(first uint64) string { return fmt.Sprintf("%020d%s", first, segExt) }

// parseSegName returns the first seq a segment file name carries.
func parseSegName(name string) (uint64, bool) {
	base := filepath.Base(name)
	if !strings.HasSuffix(base, segExt) {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSuffix(base, segExt), 10, 64)
	return v, err == nil && v > 0
}
