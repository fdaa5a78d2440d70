package postgres_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
)

// TestBinaryArraysAsPgxEncodes: the arrays ingest encodes itself are the
// bytes pgx's type map encodes for the same values (empty arrays, times in
// other zones, before 1970 and 2000, and with nanoseconds pgx truncates
// too), and PostgreSQL reads them back as the values.
func TestBinaryArraysAsPgxEncodes(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	wib := time.FixedZone("WIB", 7*3600)
	cases := []struct {
		oid  uint32 // of the array type
		sql  string
		vals any
	}{
		{pgtype.Int8ArrayOID, "bigint[]", []int64{}},
		{pgtype.Int8ArrayOID, "bigint[]", []int64{1, -1, 0, 1 << 62, -1 << 63}},
		{pgtype.Int4ArrayOID, "integer[]", []int32{}},
		{pgtype.Int4ArrayOID, "integer[]", []int32{1, 1000, -7, 1<<31 - 1}},
		{pgtype.BoolArrayOID, "boolean[]", []bool{}},
		{pgtype.BoolArrayOID, "boolean[]", []bool{true, false, true}},
		{pgtype.TextArrayOID, "text[]", []string{}},
		{pgtype.TextArrayOID, "text[]", []string{"73.71", "", "sertifikat kedaluwarsa — ✓", "a,b \"c\" {d}"}},
		{pgtype.TimestamptzArrayOID, "timestamptz[]", []time.Time{}},
		{pgtype.TimestamptzArrayOID, "timestamptz[]", []time.Time{
			time.Date(2026, 12, 7, 18, 30, 0, 123456789, time.UTC),
			time.Date(2026, 12, 8, 1, 30, 0, 999, wib),
			time.Date(1980, 1, 1, 0, 0, 0, 1000, time.UTC),
			time.Date(1969, 12, 31, 23, 59, 59, 999999999, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 500, wib),
			time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		}},
	}
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	m := pgtype.NewMap()
	for _, tc := range cases {
		ours := postgres.BinaryArray(tc.vals)
		theirs, err := m.Encode(tc.oid, pgtype.BinaryFormatCode, tc.vals, nil)
		if err != nil {
			t.Fatalf("pgx encode %s %v: %v", tc.sql, tc.vals, err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Errorf("%s %v:\nours %x\npgx  %x", tc.sql, tc.vals, ours, theirs)
		}
		// PostgreSQL takes them, and they read back equal to what pgx
		// sends (as text, so nothing is decoded by the code under test).
		res := conn.Conn().PgConn().ExecParams(ctx, "SELECT $1::"+tc.sql+"::text, $2::"+tc.sql+"::text",
			[][]byte{ours, theirs}, []uint32{tc.oid, tc.oid}, []int16{1, 1}, nil).Read()
		if res.Err != nil {
			t.Fatalf("%s %v: %v", tc.sql, tc.vals, res.Err)
		}
		if got, want := string(res.Rows[0][0]), string(res.Rows[0][1]); got != want {
			t.Errorf("%s %v: reads back %s, pgx's %s", tc.sql, tc.vals, got, want)
		}
		// And the values themselves (times truncated to microseconds).
		dst := reflect.New(reflect.TypeOf(tc.vals))
		if err := m.Scan(tc.oid, pgtype.BinaryFormatCode, ours, dst.Interface()); err != nil {
			t.Fatal(err)
		}
		want := tc.vals
		if ts, ok := want.([]time.Time); ok {
			tr := make([]time.Time, len(ts))
			for i, x := range ts {
				tr[i] = x.Truncate(time.Microsecond)
			}
			want = tr
		}
		if got := dst.Elem().Interface(); !equalVals(got, want) {
			t.Errorf("%s: decodes to %v, want %v", tc.sql, got, want)
		}
	}
}

func equalVals(a, b any) bool {
	at, ok := a.([]time.Time)
	if !ok {
		return reflect.DeepEqual(a, b)
	}
	bt := b.([]time.Time)
	if len(at) != len(bt) {
		return false
	}
	for i := range at {
		if !at[i].Equal(bt[i]) {
			return false
		}
	}
	return true
}
