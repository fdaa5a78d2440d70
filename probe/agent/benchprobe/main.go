// Command benchprobe measures the probe agent's footprint: it starts local
// TCP, HTTP and TLS servers and an ingest sink, runs the real pantau-probe
// binary against them with many targets at a short interval, samples the
// process's peak RSS (VmHWM in /proc/PID/status) and CPU time (utime+stime
// in /proc/PID/stat), and prints as its last line
//
//	probe: rss_mb=<peak RSS in MiB> cpu_pct=<average % of one core>
//
// Linux only (it reads /proc). Run it with `make bench-probe`.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. It
// is 100 on every Linux architecture Go supports.
const clockTicks = 100

func main() {
	bin := flag.String("bin", "", "path of the pantau-probe binary to measure (required)")
	targets := flag.Int("targets", 20, "number of targets (a mix of tcp, http, https and tls)")
	interval := flag.Duration("interval", time.Second, "check interval of every target")
	duration := flag.Duration("duration", 60*time.Second, "how long to run the agent")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "benchprobe: -bin is required")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	res, err := bench(ctx, log, *bin, *targets, *interval, *duration)
	if err != nil {
		fmt.Fprintf(os.Stderr, "benchprobe: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("agent ran %s with %d targets at %s: %d results delivered (%d expected)\n",
		res.wall.Round(time.Millisecond), *targets, *interval, res.delivered, res.expected)
	fmt.Printf("probe: rss_mb=%.1f cpu_pct=%.2f\n", res.rssMB, res.cpuPct)
}

// result is what one bench run measured.
type result struct {
	rssMB, cpuPct       float64
	wall                time.Duration
	delivered, expected int
}

// bench runs the agent against local servers and samples it.
func bench(ctx context.Context, log *slog.Logger, bin string, n int, interval, duration time.Duration) (result, error) {
	dir, err := os.MkdirTemp("", "pantau-bench-")
	if err != nil {
		return result{}, fmt.Errorf("temp dir: %w", err)
	}
	defer func() { _ = os.RemoveAll(dir) }()
	env, err := startServers(dir)
	if err != nil {
		return result{}, err
	}
	defer env.close()
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, []byte(env.config(n, interval, filepath.Join(dir, "spool"))), 0o600); err != nil {
		return result{}, fmt.Errorf("write config: %w", err)
	}
	cmd := exec.CommandContext(ctx, bin, "run", "--config", cfgPath)
	cmd.Stderr = os.Stderr
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("start agent: %w", err)
	}
	log.Info("agent started", "pid", cmd.Process.Pid, "targets", n, "interval", interval.String(), "duration", duration.String())
	var peakKB, ticks int64
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	end := time.After(duration)
sampling:
	for {
		if kb, err := vmHWM(cmd.Process.Pid); err == nil {
			peakKB = max(peakKB, kb)
		}
		if t, err := cpuTicks(cmd.Process.Pid); err == nil {
			ticks = t
		}
		select {
		case <-tick.C:
		case <-end:
			break sampling
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return result{}, ctx.Err()
		}
	}
	// The last sample, taken just before the agent is stopped.
	if kb, err := vmHWM(cmd.Process.Pid); err == nil {
		peakKB = max(peakKB, kb)
	}
	if t, err := cpuTicks(cmd.Process.Pid); err == nil {
		ticks = t
	}
	wall := time.Since(begin)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		return result{}, fmt.Errorf("agent exit: %w", err)
	}
	if peakKB == 0 {
		return result{}, fmt.Errorf("no /proc samples of pid %d (Linux only)", cmd.Process.Pid)
	}
	cpu := time.Duration(ticks) * time.Second / clockTicks
	return result{
		rssMB:     float64(peakKB) / 1024,
		cpuPct:    100 * cpu.Seconds() / wall.Seconds(),
		wall:      wall,
		delivered: env.sink.count(),
		expected:  int(float64(n) * duration.Seconds() / interval.Seconds()),
	}, nil
}
