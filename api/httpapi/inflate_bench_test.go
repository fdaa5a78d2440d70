package httpapi

import (
	"bytes"
	stdgzip "compress/gzip"
	"encoding/json"
	"io"
	"testing"
	"time"

	kgzip "github.com/klauspost/compress/gzip"

	"github.com/pantau-id/pantau/probe"
)

// The inflate of an agent's batch (1,000 results, gzip at the agent's
// level): the standard library's reader against klauspost/compress's, which
// readBody uses.
//
//	go test -run '^$' -bench Inflate -benchmem ./api/httpapi

func gzBatch(b *testing.B) []byte {
	b.Helper()
	batch := probe.Batch{Office: "73.71", Agent: probe.AgentInfo{Version: "1.0.0", OS: "linux", Arch: "amd64"}}
	at := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		r := probe.Result{Seq: uint64(i + 1), Target: "central", ObservedAt: at.Add(time.Duration(i) * 15 * time.Second), OK: true, LatencyMS: 5 + float64(i*7919%15000)/100}
		if i%20 == 0 {
			r.OK, r.Failure, r.Detail = false, probe.FailConnect, "connect: connection refused"
		}
		batch.Results = append(batch.Results, r)
	}
	var buf bytes.Buffer
	zw := stdgzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(batch); err != nil {
		b.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

type resetter interface {
	io.Reader
	Reset(io.Reader) error
}

func benchInflate(b *testing.B, zr resetter) {
	body := gzBatch(b)
	var out bytes.Buffer
	for b.Loop() {
		if err := zr.Reset(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
		out.Reset()
		if _, err := out.ReadFrom(zr); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(out.Len()), "inflated_bytes")
}

func BenchmarkInflateStdlib(b *testing.B) {
	zr, err := stdgzip.NewReader(bytes.NewReader(gzBatch(b)))
	if err != nil {
		b.Fatal(err)
	}
	benchInflate(b, zr)
}

func BenchmarkInflateKlauspost(b *testing.B) {
	zr, err := kgzip.NewReader(bytes.NewReader(gzBatch(b)))
	if err != nil {
		b.Fatal(err)
	}
	benchInflate(b, zr)
}
