package ingest

import (
	"bytes"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeBatch feeds arbitrary bodies to the decoder: it must never
// panic, every accepted item must satisfy the rules the store relies on, and
// every rejection must name its field.
func FuzzDecodeBatch(f *testing.F) {
	f.Add([]byte(`{"agent":{"version":"1"},"results":[{"seq":1,"target":"central","observed_at":"2026-01-01T00:00:00Z","ok":true,"latency_ms":3}]}`))
	f.Add([]byte(`{"results":[{"seq":2,"target":"x","observed_at":"2026-01-01T00:00:00+08:00","ok":false,"failure":"timeout","latency_ms":10000}, 7, null]}`))
	f.Add([]byte(`{"results":[{"seq":3,"target":"x","observed_at":"2026-01-01T00:00:00Z","ok":false,"failure":"dns","latency_ms":1,"detail":"\u0000"}]}`))
	f.Add([]byte(`{"results":[]}`))
	f.Add([]byte(`[]`))
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var d Decoder
	f.Fuzz(func(t *testing.T, body []byte) {
		b, err := d.Decode(body, Rules{Now: now, FutureTolerance: 15 * time.Minute})
		if err != nil {
			return
		}
		for _, rj := range b.Rejected {
			if rj.Field == "" || rj.Reason == "" {
				t.Fatalf("rejection without a field or reason: %+v", rj)
			}
		}
		for _, s := range []string{b.Agent.Version, b.Agent.OS, b.Agent.Arch} {
			if !utf8.ValidString(s) || bytes.IndexByte([]byte(s), 0) >= 0 {
				t.Fatalf("agent text %q would not fit a text column", s)
			}
		}
		for _, it := range b.Items {
			r := it.Result
			if r.Seq == 0 || r.Target == "" || r.ObservedAt.After(now.Add(15*time.Minute)) || r.OK != (r.Failure == "") || !r.Failure.Valid() || r.LatencyMS < 0 {
				t.Fatalf("accepted an invalid result: %+v", r)
			}
			for _, s := range []string{r.Target, r.Detail} {
				if !utf8.ValidString(s) || bytes.IndexByte([]byte(s), 0) >= 0 {
					t.Fatalf("accepted text %q that would not fit a text column", s)
				}
			}
		}
	})
}
