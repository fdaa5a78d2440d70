package postgres

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Ingest's write round trip (groupWrite.write) sends its statements'
// arrays already in PostgreSQL's binary array format, encoded here as
// copyrows.go encodes the results: pgtype encoded the detection queue's
// arrays element by element through an interface, boxing every time and
// seq (7 % of the API's Go CPU at full ingest, issue 14).

// Element types of the arrays encoded here.
const (
	oidBool        = 16
	oidInt8        = 20
	oidInt4        = 23
	oidText        = 25
	oidTimestamptz = 1184
)

// binaryArray is a parameter already in the binary format.
type binaryArray []byte

// arrayHeader starts a one-dimensional array of n elements without NULLs
// (as pgx encodes a non-nil slice, an empty one too). Each element then
// follows as its length and its bytes.
func arrayHeader(b []byte, elem uint32, n int) []byte {
	b = append(b, 0, 0, 0, 1, 0, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, elem)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, 0, 0, 0, 1) // the lower bound
}

func appendInt8(b []byte, v int64) []byte {
	return binary.BigEndian.AppendUint64(append(b, 0, 0, 0, 8), uint64(v))
}

func appendInt4(b []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(append(b, 0, 0, 0, 4), uint32(v))
}

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 0, 0, 0, 1, 1)
	}
	return append(b, 0, 0, 0, 1, 0)
}

// appendTimestamptz appends t as microseconds since 2000-01-01 UTC,
// truncated as pgx truncates (pgMicros).
func appendTimestamptz(b []byte, t time.Time) []byte { return appendInt8(b, pgMicros(t)) }

func appendText(b []byte, s string) []byte {
	return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
}

func int8Array(vs []int64) binaryArray {
	b := arrayHeader(make([]byte, 0, 20+12*len(vs)), oidInt8, len(vs))
	for _, v := range vs {
		b = appendInt8(b, v)
	}
	return b
}

func int4Array(vs []int32) binaryArray {
	b := arrayHeader(make([]byte, 0, 20+8*len(vs)), oidInt4, len(vs))
	for _, v := range vs {
		b = appendInt4(b, v)
	}
	return b
}

func timestamptzArray(vs []time.Time) binaryArray {
	b := arrayHeader(make([]byte, 0, 20+12*len(vs)), oidTimestamptz, len(vs))
	for _, v := range vs {
		b = appendTimestamptz(b, v)
	}
	return b
}

func textArray(vs []string) binaryArray {
	n := 20
	for _, s := range vs {
		n += 4 + len(s)
	}
	b := arrayHeader(make([]byte, 0, n), oidText, len(vs))
	for _, s := range vs {
		b = appendText(b, s)
	}
	return b
}

// queueBatch gathers prepared statements for one round trip through
// pgconn, so that binaryArray parameters go as they are; any other
// parameter is encoded by the connection's type map, as pgx would.
type queueBatch struct {
	c  *pgx.Conn
	pb pgconn.Batch
}

// queue adds sql (prepared on the connection the first time) with args.
func (q *queueBatch) queue(ctx context.Context, sql string, args ...any) error {
	sd, err := q.c.Prepare(ctx, sql, sql)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	if len(sd.ParamOIDs) != len(args) {
		return fmt.Errorf("statement takes %d parameters, got %d", len(sd.ParamOIDs), len(args))
	}
	params := make([][]byte, len(args))
	for i, a := range args {
		if raw, ok := a.(binaryArray); ok {
			params[i] = raw
			continue
		}
		if params[i], err = q.c.TypeMap().Encode(sd.ParamOIDs[i], pgtype.BinaryFormatCode, a, nil); err != nil {
			return fmt.Errorf("encode parameter %d: %w", i+1, err)
		}
	}
	q.pb.ExecStatement(sd, params, []int16{pgtype.BinaryFormatCode}, nil)
	return nil
}

// send runs the queued statements and returns the first error.
func (q *queueBatch) send(ctx context.Context) error {
	_, err := q.c.PgConn().ExecBatch(ctx, &q.pb).ReadAll()
	return err
}
