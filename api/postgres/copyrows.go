package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// copyResultsSQL is the COPY that groupWrite streams its rows into, in
// PostgreSQL's binary COPY format (encodeResultRows).
var copyResultsSQL = "COPY results (" + strings.Join(resultColumns, ", ") + ") FROM STDIN (FORMAT binary)"

// copyHeader starts a binary COPY stream: the signature, no flags, no
// header extension.
var copyHeader = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")

// y2k is PostgreSQL's timestamp epoch.
var y2k = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// copyRows writes w's rows with one COPY, encoded here in the binary
// format: pgx's CopyFrom took the rows as []any and looked up an encode
// plan for every value, a fifth of the server's CPU at full ingest
// (docs/scaling.md, issue 14).
func (w *groupWrite) copyRows(ctx context.Context, c *pgx.Conn, bufs *sync.Pool) error {
	buf, _ := bufs.Get().(*copyBuf)
	if buf == nil {
		buf = new(copyBuf)
	}
	buf.b = appendResultRows(buf.b[:0], w.rows)
	buf.r.Reset(buf.b)
	tag, err := c.PgConn().CopyFrom(ctx, &buf.r, copyResultsSQL)
	if err != nil {
		// pgconn may return on a lost connection while its sending
		// goroutine still reads buf: the buffer is not reused.
		return mapError(err, "results")
	}
	if cap(buf.b) <= 8<<20 {
		bufs.Put(buf)
	}
	if n := tag.RowsAffected(); n != int64(len(w.rows)) {
		return fmt.Errorf("copy results: wrote %d rows, want %d", n, len(w.rows))
	}
	return nil
}

// copyBuf is a COPY stream and its reader, reused.
type copyBuf struct {
	b []byte
	r bytes.Reader
}

// appendResultRows appends the binary COPY stream of rows (resultColumns,
// in order) to b.
func appendResultRows(b []byte, rows []groupRow) []byte {
	b = slices.Grow(b, len(copyHeader)+2+len(rows)*128)
	b = append(b, copyHeader...)
	null := func(b []byte) []byte { return append(b, 0xff, 0xff, 0xff, 0xff) }
	for _, g := range rows {
		it := &g.r.items[g.i]
		r := &it.Result
		b = binary.BigEndian.AppendUint16(b, uint16(len(resultColumns)))
		b = appendText(b, g.r.p.OfficeCode)
		b = appendInt8(b, g.r.p.ID)
		b = appendInt8(b, int64(r.Seq))
		b = appendTimestamptz(b, r.ObservedAt)
		b = appendInt8(b, it.TargetID)
		b = appendBool(b, r.OK)
		if r.OK {
			b = null(b)
		} else {
			b = appendText(b, string(r.Failure))
		}
		b = appendInt4(b, int32(math.Float32bits(float32(r.LatencyMS))))
		b = appendText(b, r.Detail)
		if r.CertDaysLeft != nil {
			b = appendInt4(b, int32(*r.CertDaysLeft))
		} else {
			b = null(b)
		}
		if !r.LocalAt.IsZero() {
			b = appendTimestamptz(b, r.LocalAt)
		} else {
			b = null(b)
		}
	}
	return append(b, 0xff, 0xff) // the trailer
}

// pgMicros is t as a timestamptz's binary value: microseconds since
// 2000-01-01 UTC (ingest truncates observations to microseconds).
func pgMicros(t time.Time) int64 {
	return t.Unix()*1_000_000 + int64(t.Nanosecond())/1000 - y2k.Unix()*1_000_000
}
