package sim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// The simulated probes' gzip level (docs/scaling.md, Soak): what a batch
// costs the load generator to encode, and the server to inflate, at the
// agent's level and at the simulator's.
//
//	go test ./api/sim -run X -bench 'Encode|Inflate' -benchmem

func benchBatch() probe.Batch {
	at := time.Now().UTC()
	rs := []probe.Result{
		{Seq: 1001, Target: CentralTarget, ObservedAt: at, OK: true, LatencyMS: 12.345678},
		{Seq: 1002, Target: InternetTarget, ObservedAt: at, OK: true, LatencyMS: 30.1},
		{Seq: 1003, Target: SecondCentralTarget, ObservedAt: at, OK: false, Failure: probe.FailTimeout, LatencyMS: 5000, Detail: "simulated cut"},
	}
	return probe.Batch{Office: "73.71", Results: rs, Agent: probe.AgentInfo{Version: "sim", OS: "linux", Arch: "amd64"}}
}

func benchEncode(b *testing.B, level int) {
	bt := benchBatch()
	zw, _ := gzip.NewWriterLevel(io.Discard, level)
	enc := &encoder{zw: zw}
	for b.Loop() {
		enc.buf.Reset()
		enc.zw.Reset(&enc.buf)
		_ = json.NewEncoder(enc.zw).Encode(bt)
		_ = enc.zw.Close()
	}
	b.ReportMetric(float64(enc.buf.Len()), "bytes")
}

func BenchmarkEncodeAgentLevel(b *testing.B) { benchEncode(b, gzip.DefaultCompression) }
func BenchmarkEncodeSimLevel(b *testing.B)   { benchEncode(b, simGzipLevel) }

func benchInflate(b *testing.B, level int) {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, level)
	_ = json.NewEncoder(zw).Encode(benchBatch())
	_ = zw.Close()
	body := buf.Bytes()
	zr, _ := gzip.NewReader(bytes.NewReader(body))
	var out bytes.Buffer
	for b.Loop() {
		_ = zr.Reset(bytes.NewReader(body))
		out.Reset()
		_, _ = out.ReadFrom(zr)
	}
}

func BenchmarkInflateAgentLevel(b *testing.B) { benchInflate(b, gzip.DefaultCompression) }
func BenchmarkInflateSimLevel(b *testing.B)   { benchInflate(b, simGzipLevel) }
