package agent

import (
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// TestTargetOwnIntervalIsHonoured: a target with its own interval is checked
// on it, not on the agent's (here twenty times slower).
func TestTargetOwnIntervalIsHonoured(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	f := newFakeIngest(t)
	_, stop := runAgent(t, Config{
		Server: f.srv.URL, Token: "tok", Interval: 20 * time.Millisecond, Timeout: time.Second,
		Targets: []probe.Target{
			{Name: "fast", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()},
			{Name: "slow", Kind: probe.KindInternet, Check: probe.CheckTCP, Address: ln.Addr().String(), Interval: probe.Duration(400 * time.Millisecond)},
		},
		Logger: slog.New(slog.DiscardHandler),
	})
	count := func() (fast, slow int) {
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, b := range f.batches {
			for _, r := range b.Results {
				if r.Target == "fast" {
					fast++
				} else {
					slow++
				}
			}
		}
		return fast, slow
	}
	for {
		if fast, _ := count(); fast >= 60 {
			break
		}
		select {
		case <-f.got:
		case <-time.After(20 * time.Second):
			t.Fatal("too few results delivered")
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	fast, slow := count()
	if slow == 0 || slow*5 > fast {
		t.Fatalf("fast target checked %d times, slow (own 400 ms interval) %d: want it about 20 times rarer", fast, slow)
	}
}
