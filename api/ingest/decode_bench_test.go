package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// benchBody is a batch of n results as the agent encodes it.
func benchBody(b *testing.B, n int) []byte {
	b.Helper()
	batch := probe.Batch{Office: "73.71", Agent: probe.AgentInfo{Version: "1.0.0", OS: "linux", Arch: "amd64"}}
	at := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for i := range n {
		r := probe.Result{Seq: uint64(i + 1), Target: "central", ObservedAt: at.Add(time.Duration(i) * 15 * time.Second), OK: true, LatencyMS: 12.25 + float64(i%90)}
		if i%2 == 1 {
			r.Target = "internet" // an agent's rows alternate between its targets
		}
		if i%20 == 0 {
			r.OK, r.Failure, r.Detail = false, probe.FailConnect, "connect: connection refused"
		}
		batch.Results = append(batch.Results, r)
	}
	body, err := json.Marshal(batch)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecode is the decoder as shipped; BenchmarkDecodeEncodingJSON is
// the two-pass encoding/json decoder it replaced (envelope into
// []json.RawMessage, then json.Unmarshal per item, as api/server/decode.go
// did), kept here as the baseline of the same run:
//
//	go test -run '^$' -bench Decode -benchmem ./api/ingest
func BenchmarkDecode(b *testing.B) {
	body := benchBody(b, 1000)
	var d Decoder
	rules := Rules{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), FutureTolerance: time.Minute}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		bt, err := d.Decode(body, rules)
		if err != nil || len(bt.Items) != 1000 {
			b.Fatalf("%v, %d items", err, len(bt.Items))
		}
	}
}

func BenchmarkDecodeEncodingJSON(b *testing.B) {
	body := benchBody(b, 1000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		n, err := legacyDecode(body)
		if err != nil || n != 1000 {
			b.Fatalf("%v, %d items", err, n)
		}
	}
}

// legacyDecode is the decoding work of the replaced decoder, without its
// checks (which cost little next to the scanning).
func legacyDecode(body []byte) (int, error) {
	var env struct {
		Office  string            `json:"office"`
		Agent   probe.AgentInfo   `json:"agent"`
		Results []json.RawMessage `json:"results"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&env); err != nil {
		return 0, err
	}
	n := 0
	for _, raw := range env.Results {
		var r struct {
			Seq          *uint64  `json:"seq"`
			Target       *string  `json:"target"`
			ObservedAt   *string  `json:"observed_at"`
			OK           *bool    `json:"ok"`
			Failure      *string  `json:"failure"`
			LatencyMS    *float64 `json:"latency_ms"`
			Detail       *string  `json:"detail"`
			CertDaysLeft *int     `json:"cert_days_left"`
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			return n, err
		}
		if r.ObservedAt == nil {
			return n, fmt.Errorf("item %d: no observed_at", n)
		}
		if _, err := time.Parse(time.RFC3339Nano, *r.ObservedAt); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
