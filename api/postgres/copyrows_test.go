package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/probe"
)

// TestCopiedRowsReadBackExactly: every column of results written by the
// binary COPY stream (a large batch) reads back as sent, and as the same
// items written by the INSERT of a small batch read back.
func TestCopiedRowsReadBackExactly(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, _, ids := mustOffice(t, s)
	base := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Microsecond)
	var items []api.IngestItem
	for i := range 100 {
		r := probe.Result{Seq: uint64(i + 1), Target: "central", ObservedAt: base.Add(time.Duration(i)*time.Second + 123457*time.Microsecond),
			OK: true, LatencyMS: 0.125 + float64(i)*1.7}
		id := ids["central"]
		if i%3 == 1 {
			r.Target, id = "internet", ids["internet"]
		}
		if i%5 == 2 {
			r.OK, r.Failure, r.Detail = false, probe.FailTLS, fmt.Sprintf("sertifikat kedaluwarsa — %d ✓", i)
		}
		if i%4 == 0 {
			c := 45 - i // negative too
			r.CertDaysLeft = &c
		}
		switch i % 7 {
		case 0:
			r.LocalAt = time.Date(1980, 1, 1, 0, 0, 0, 1000, time.UTC) // before PostgreSQL's epoch
		case 3:
			r.LocalAt = r.ObservedAt.Add(-7 * time.Minute)
		}
		items = append(items, api.IngestItem{TargetID: id, Result: r})
	}
	// The first 20 go in one small batch (INSERT), the rest in one large
	// one (COPY).
	for _, part := range [][]api.IngestItem{items[:20], items[20:]} {
		out, err := s.IngestResults(ctx, p, probe.AgentInfo{}, part)
		if err != nil || out.Accepted != len(part) {
			t.Fatalf("ingest %d items: %+v, %v", len(part), out, err)
		}
	}
	rows, err := s.Pool().Query(ctx, `SELECT office_code, probe_id, seq, observed_at, target_id, ok, failure, latency_ms, detail, cert_days_left, local_at
		FROM results ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var (
			office, detail string
			probeID, seq   int64
			target         int64
			at             time.Time
			ok             bool
			failure        *string
			lat            float32
			cert           *int32
			local          *time.Time
		)
		if err := rows.Scan(&office, &probeID, &seq, &at, &target, &ok, &failure, &lat, &detail, &cert, &local); err != nil {
			t.Fatal(err)
		}
		it := items[n]
		r := it.Result
		n++
		got := fmt.Sprint(office, probeID, seq, at.UTC(), target, ok, deref(failure), lat, detail, deref(cert), derefTime(local))
		var wantCert any = "NULL"
		if r.CertDaysLeft != nil {
			wantCert = int32(*r.CertDaysLeft)
		}
		var wantFailure any = "NULL"
		if !r.OK {
			wantFailure = string(r.Failure)
		}
		wantLocal := "NULL"
		if !r.LocalAt.IsZero() {
			wantLocal = r.LocalAt.UTC().String()
		}
		want := fmt.Sprint(p.OfficeCode, p.ID, int64(r.Seq), r.ObservedAt, it.TargetID, r.OK, wantFailure, float32(r.LatencyMS), r.Detail, wantCert, wantLocal)
		if got != want {
			t.Errorf("seq %d:\n got %s\nwant %s", seq, got, want)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != len(items) {
		t.Fatalf("%d rows stored, want %d", n, len(items))
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return "NULL"
	}
	return *p
}

func derefTime(p *time.Time) string {
	if p == nil {
		return "NULL"
	}
	return p.UTC().String()
}
