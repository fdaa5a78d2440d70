package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
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
	buf, _ := bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	encodeResultRows(buf, w.rows)
	tag, err := c.PgConn().CopyFrom(ctx, buf, copyResultsSQL)
	if err != nil {
		// pgconn may return on a lost connection while its sending
		// goroutine still reads buf: the buffer is not reused.
		return mapError(err, "results")
	}
	if buf.Cap() <= 8<<20 {
		bufs.Put(buf)
	}
	if n := tag.RowsAffected(); n != int64(len(w.rows)) {
		return fmt.Errorf("copy results: wrote %d rows, want %d", n, len(w.rows))
	}
	return nil
}

// encodeResultRows appends the binary COPY stream of rows (resultColumns,
// in order) to buf.
func encodeResultRows(buf *bytes.Buffer, rows []groupRow) {
	buf.Grow(len(copyHeader) + 2 + len(rows)*128)
	buf.Write(copyHeader)
	var b [8]byte
	putInt := func(size int, v uint64) {
		binary.BigEndian.PutUint32(b[:4], uint32(size))
		buf.Write(b[:4])
		switch size {
		case 8:
			binary.BigEndian.PutUint64(b[:], v)
		case 4:
			binary.BigEndian.PutUint32(b[:4], uint32(v))
		}
		buf.Write(b[:size])
	}
	putText := func(s string) {
		binary.BigEndian.PutUint32(b[:4], uint32(len(s)))
		buf.Write(b[:4])
		buf.WriteString(s)
	}
	putNull := func() { buf.Write([]byte{0xff, 0xff, 0xff, 0xff}) }
	for _, g := range rows {
		it := g.r.items[g.i]
		r := it.Result
		binary.BigEndian.PutUint16(b[:2], uint16(len(resultColumns)))
		buf.Write(b[:2])
		putText(g.r.p.OfficeCode)
		putInt(8, uint64(g.r.p.ID))
		putInt(8, r.Seq)
		putInt(8, uint64(pgMicros(r.ObservedAt)))
		putInt(8, uint64(it.TargetID))
		buf.Write([]byte{0, 0, 0, 1})
		if r.OK {
			buf.WriteByte(1)
			putNull()
		} else {
			buf.WriteByte(0)
			putText(string(r.Failure))
		}
		putInt(4, uint64(math.Float32bits(float32(r.LatencyMS))))
		putText(r.Detail)
		if r.CertDaysLeft != nil {
			putInt(4, uint64(uint32(int32(*r.CertDaysLeft))))
		} else {
			putNull()
		}
		if !r.LocalAt.IsZero() {
			putInt(8, uint64(pgMicros(r.LocalAt)))
		} else {
			putNull()
		}
	}
	buf.Write([]byte{0xff, 0xff}) // the trailer
}

// pgMicros is t as a timestamptz's binary value: microseconds since
// 2000-01-01 UTC (ingest truncates observations to microseconds).
func pgMicros(t time.Time) int64 {
	return t.Unix()*1_000_000 + int64(t.Nanosecond())/1000 - y2k.Unix()*1_000_000
}
