package bench_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api/bench"
	"github.com/pantau-id/pantau/api/pgtest"
)

// TestRunIngestSmall runs the whole benchmark on a few thousand rows, so
// `make bench-ingest` cannot rot unseen: both paths must store every row
// and the last line must have the exact form issue 2 asks for.
func TestRunIngestSmall(t *testing.T) {
	t.Parallel()
	figs, err := bench.RunIngest(context.Background(), pgtest.URL(t),
		bench.IngestConfig{Results: 3000, Batch: 250, Senders: 2, Probes: 5, Breakdown: true}, nil)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if figs.Rows != 3000 || figs.APIRate <= 0 || figs.CopyRt <= 0 || figs.BytesPerResult < 50 {
		t.Fatalf("figures %+v", figs)
	}
	if !regexp.MustCompile(`^ingest: api=\d+ copy=\d+ ratio=\d+\.\d\d bytes_per_result=\d+$`).MatchString(figs.Line()) {
		t.Fatalf("last line %q is not in the agreed form", figs.Line())
	}
	// The test database runs on this machine: the CPU per result is known.
	if !figs.CPUKnown || figs.APICPU.Go <= 0 {
		t.Fatalf("CPU per result unknown or empty: %+v", figs)
	}
	cpuLine := regexp.MustCompile(`^cpu: api_us_per_result=\d+\.\d\d \(go \d+\.\d\d, postgres \d+\.\d\d\) copy_us_per_result=\d+\.\d\d \(go \d+\.\d\d, postgres \d+\.\d\d\) cpu_ratio=\d+\.\d\d$`)
	if !cpuLine.MatchString(figs.CPULine()) {
		t.Fatalf("cpu line %q is not in its form", figs.CPULine())
	}
}

func TestParsePhases(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []bench.Phase
		ok   bool
	}{
		{"514:30s:10m,5000:10s:2m", []bench.Phase{{514, 30 * time.Second, 10 * time.Minute, false}, {5000, 10 * time.Second, 2 * time.Minute, false}}, true},
		{"10:1s:5s", []bench.Phase{{10, time.Second, 5 * time.Second, false}}, true},
		{"10000:10s:5m:cut", []bench.Phase{{10000, 10 * time.Second, 5 * time.Minute, true}}, true},
		{"10000:10s:5m:boom", nil, false},
		{"514:30s", nil, false},
		{"0:30s:1m", nil, false},
		{"514:soon:1m", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := bench.ParsePhases(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParsePhases(%q) error %v, want ok=%v", tc.in, err, tc.ok)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ParsePhases(%q) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("ParsePhases(%q) = %v, want %v", tc.in, got, tc.want)
				}
			}
		})
	}
}

func TestSoakLineForm(t *testing.T) {
	t.Parallel()
	r := bench.SoakResult{Phase: bench.Phase{Probes: 514}, Results: 20560, Lost: 0, P99: 42500 * time.Microsecond, RSSMB: 35.4}
	if got, want := r.Line(), "soak: offices=514 results=20560 lost=0 p99_ms=42.5 rss_mb=35.4"; got != want {
		t.Fatalf("line %q, want %q", got, want)
	}
	r.Phase.Cut, r.DetectLagP99, r.NationalLag, r.CloseLag, r.DetectLagMax = true, 1250*time.Millisecond, -time.Second, 2*time.Second, 1500*time.Millisecond
	if got, want := r.Line(), "soak: offices=514 results=20560 lost=0 p99_ms=42.5 rss_mb=35.4 detect_lag_p99_s=1.25 national_lag_s=-1.00 close_lag_s=2.00 detect_lag_max_s=1.50"; got != want {
		t.Fatalf("cut line %q, want %q", got, want)
	}
}
