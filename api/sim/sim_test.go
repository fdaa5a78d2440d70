package sim_test

import (
	"bytes"
	"context"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/api/sim"
)

func startServer(t *testing.T, s *postgres.Store) string {
	t.Helper()
	reg := prometheus.NewRegistry()
	srv := httptest.NewServer(server.New(server.Config{}, s, slog.New(slog.DiscardHandler), reg, reg))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRunDeliversEveryResultThroughCutsAndSkew runs 30 probes at 200 ms for
// 3 s with every scripted cut, one office offline for a second (its probe
// queues, then delivers), and clocks 10 minutes off either way; every
// result measured must be stored exactly once.
func TestRunDeliversEveryResultThroughCutsAndSkew(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	members, err := sim.Register(ctx, s, provinces, sim.Pick(offices, 30), sim.RegisterConfig{Probes: 30, Interval: 200 * time.Millisecond, RunID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	var progress bytes.Buffer
	figs, err := sim.Run(ctx, members, sim.Config{
		Server: startServer(t, s), Duration: 3 * time.Second, Drain: 10 * time.Second,
		Cuts: sim.DefaultScript(3*time.Second, 200*time.Millisecond),
		Skew: 10 * time.Minute, SkewEvery: 7,
		Progress: &progress, ProgressEvery: time.Second, Seed: 1,
	})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	stored, err := sim.Stored(ctx, s, members)
	if err != nil {
		t.Fatal(err)
	}
	if figs.Generated == 0 || stored != figs.Generated || figs.Accepted != figs.Generated || figs.Undelivered != 0 || figs.Rejected != 0 || figs.FailedRequests != 0 {
		t.Fatalf("generated %d, stored %d, figures %+v: want every result stored once", figs.Generated, stored, figs)
	}
	var skewed int
	if err := s.Pool().QueryRow(ctx, `SELECT count(*) FROM probes WHERE abs(clock_offset_ms) = 600000`).Scan(&skewed); err != nil {
		t.Fatal(err)
	}
	if skewed != 5 {
		t.Fatalf("%d probes report a 10-minute clock offset, want 5", skewed)
	}
	if !strings.Contains(progress.String(), "sim: ") {
		t.Fatalf("no progress lines: %q", progress.String())
	}
}

func TestParseCut(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means an error
	}{
		{"national@1m+2m", "national@1m0s+2m0s"},
		{"province:73@90s+1m", "province:73@1m30s+1m0s"},
		{"flap:73.73@0s+1m~10s", "flap:73.73@0s+1m0s~10s"},
		{"offline:73.72@1m+1m", "offline:73.72@1m0s+1m0s"},
		{"office@1m+1m", ""},
		{"national:11@1m+1m", ""},
		{"flap:73.73@0s+1m", ""},
		{"loss:73.73@1m+2m~50%", "loss:73.73@1m0s+2m0s~50%"},
		{"loss:73.73@1m+2m~50", ""},
		{"loss:73.73@1m+2m~150%", ""},
		{"loss:73.73@1m+2m", ""},
		{"office:73.71@1m+1m~50%", ""},
		{"storm@1m+1m", ""},
		{"office:73.71@1m+0s", ""},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			c, err := sim.ParseCut(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("ParseCut(%q) = %v, want an error", tc.in, c)
				}
				return
			}
			if err != nil || c.String() != tc.want {
				t.Fatalf("ParseCut(%q) = %v, %v; want %s", tc.in, c, err, tc.want)
			}
		})
	}
}

// TestLossDropsAboutItsShare: a 50 % loss cut fails about half of an
// office's checks, differently per moment, the same in every run.
func TestLossDropsAboutItsShare(t *testing.T) {
	t.Parallel()
	s := sim.NewScript([]sim.Cut{{Kind: sim.CutLoss, Ref: "73.73", Start: 0, End: time.Hour, Loss: 0.5}})
	down := 0
	const n = 2000
	for i := range n {
		at := time.Duration(i) * time.Second
		first := s.At("73.73", "73", at)
		if !first.Central {
			down++
		}
		if again := s.At("73.73", "73", at); again != first {
			t.Fatal("the same moment drew twice differently")
		}
		if !s.At("73.71", "73", at).Central {
			t.Fatal("loss reached another office")
		}
	}
	if down < n*45/100 || down > n*55/100 {
		t.Fatalf("%d of %d checks lost, want about half", down, n)
	}
}

func TestScriptAt(t *testing.T) {
	t.Parallel()
	s := sim.NewScript([]sim.Cut{
		{Kind: sim.CutProvince, Ref: "73", Start: time.Minute, End: 2 * time.Minute},
		{Kind: sim.CutOffline, Ref: "73.72", Start: 0, End: time.Minute},
		{Kind: sim.CutFlap, Ref: "11.01", Start: 0, End: time.Minute, Period: 10 * time.Second},
	})
	tests := []struct {
		name             string
		office, province string
		at               time.Duration
		want             sim.Link
	}{
		{"province cut reaches its offices", "73.71", "73", 90 * time.Second, sim.Link{Central: false, Internet: true, Server: true}},
		{"province cut spares others", "11.02", "11", 90 * time.Second, sim.Link{Central: true, Internet: true, Server: true}},
		{"offline office loses everything", "73.72", "73", 30 * time.Second, sim.Link{}},
		{"flap is down in its first period", "11.01", "11", 5 * time.Second, sim.Link{Central: false, Internet: true, Server: true}},
		{"flap is up in its second period", "11.01", "11", 15 * time.Second, sim.Link{Central: true, Internet: true, Server: true}},
		{"cut ends at its end", "73.71", "73", 2 * time.Minute, sim.Link{Central: true, Internet: true, Server: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := s.At(tc.office, tc.province, tc.at); got != tc.want {
				t.Fatalf("At = %+v, want %+v", got, tc.want)
			}
		})
	}
}
