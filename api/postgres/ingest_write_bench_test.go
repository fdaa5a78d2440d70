package postgres

import (
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// BenchmarkWriteArgs is the Go side of a 1,000-row request's write round
// trip apart from the COPY: the detection queue's and rollup marks'
// arguments, built and encoded to the bytes sent (by pgx's type map
// unless already encoded), as bench-ingest's batches have them:
//
//	go test -run '^$' -bench WriteArgs -benchmem ./api/postgres
func BenchmarkWriteArgs(b *testing.B) {
	start := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	r := &ingestRequest{p: api.Probe{OfficeCode: "73.71", ID: 42}}
	for i := range 1000 {
		res := probe.Result{Seq: uint64(i + 1), ObservedAt: start.Add(time.Duration(i) * 15 * time.Second), OK: i%20 != 0, LatencyMS: 12}
		r.items = append(r.items, api.IngestItem{TargetID: int64(1 + i%2), Result: res})
	}
	var w groupWrite
	for i := range r.items {
		w.rows = append(w.rows, groupRow{r, i})
	}
	oids := [][]uint32{
		{pgtype.TextArrayOID, pgtype.Int8ArrayOID, pgtype.Int8ArrayOID, pgtype.Int8ArrayOID, pgtype.TimestamptzArrayOID,
			pgtype.Int4ArrayOID, pgtype.Int4ArrayOID, pgtype.TimestamptzArrayOID, pgtype.Int8ArrayOID, pgtype.BoolArrayOID},
		{pgtype.TextArrayOID, pgtype.Int8ArrayOID, pgtype.Int8ArrayOID, pgtype.TimestamptzArrayOID},
	}
	m := pgtype.NewMap()
	var n int
	for b.Loop() {
		keys, of := w.series()
		for k, args := range [][]any{w.detectionColumns(keys, of), w.rollupColumns(keys, of)} {
			for i, a := range args {
				if v := reflect.ValueOf(a); v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
					n += v.Len()
					continue
				}
				buf, err := m.Encode(oids[k][i], pgtype.BinaryFormatCode, a, nil)
				if err != nil {
					b.Fatal(err)
				}
				n += len(buf)
			}
		}
	}
	_ = n
}

// BenchmarkEncodeResultRows is the COPY stream of a 1,000-row request:
//
//	go test -run '^$' -bench EncodeResultRows -benchmem ./api/postgres
func BenchmarkEncodeResultRows(b *testing.B) {
	start := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	r := &ingestRequest{p: api.Probe{OfficeCode: "73.71", ID: 42}}
	for i := range 1000 {
		res := probe.Result{Seq: uint64(i + 1), ObservedAt: start.Add(time.Duration(i) * 15 * time.Second), OK: true, LatencyMS: 12.5}
		if i%20 == 0 {
			res.OK, res.Failure, res.Detail = false, probe.FailConnect, "connect: connection refused"
		}
		r.items = append(r.items, api.IngestItem{TargetID: int64(1 + i%2), Result: res})
	}
	var w groupWrite
	for i := range r.items {
		w.rows = append(w.rows, groupRow{r, i})
	}
	var buf []byte
	for b.Loop() {
		buf = appendResultRows(buf[:0], w.rows)
	}
	b.SetBytes(int64(len(buf)))
}
