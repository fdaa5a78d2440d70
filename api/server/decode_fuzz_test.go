package server

import (
	"testing"
	"time"
)

// FuzzDecodeBatch feeds arbitrary bodies to the ingest decoder: it must never
// panic, and every accepted item must satisfy the rules the store relies on.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"agent":{"version":"1"},"results":[{"seq":1,"target":"central","observed_at":"2026-01-01T00:00:00Z","ok":true,"latency_ms":3}]}`))
	f.Add([]byte(`{"results":[{"seq":2,"target":"x","observed_at":"2026-01-01T00:00:00+08:00","ok":false,"failure":"timeout","latency_ms":10000}, 7, null]}`))
	f.Add([]byte(`{"results":[]}`))
	f.Add([]byte(`[]`))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := DecodeBatch(body)
		if err != nil {
			return
		}
		for _, raw := range b.Results {
			r, field, err := DecodeResult(raw, now, 15*time.Minute)
			if err != nil {
				if field == "" {
					t.Fatalf("rejection without a field: %v", err)
				}
				continue
			}
			if r.Seq == 0 || r.Target == "" || r.ObservedAt.After(now.Add(15*time.Minute)) || r.OK != (r.Failure == "") || !r.Failure.Valid() || r.LatencyMS < 0 {
				t.Fatalf("accepted an invalid result: %+v", r)
			}
		}
	})
}
