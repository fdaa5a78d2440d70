package e2e

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

func TestConfigChangeReachesRunningAgent(t *testing.T) {
	d := newDeploy(t)
	d.mustEnrol()
	cmd, logs := d.run()
	d.waitResults("central", 2)
	d.waitResults("internet", 2)

	// The operator adds a target: the running agent checks it without a
	// restart (config_poll 100 ms, interval 1 s).
	changed := time.Now()
	d.putTarget(probe.Target{Name: "central-2", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: d.central.Addr().String()})
	d.waitResults("central-2", 1)
	added := time.Since(changed)

	// The operator moves an endpoint: results follow the new address.
	closed, err := listenClosed()
	if err != nil {
		t.Fatal(err)
	}
	moved := time.Now()
	d.putTarget(probe.Target{Name: "central", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: closed})
	d.waitFor("failures of central at its new address", 30*time.Second, func() bool {
		return d.count("t.name = 'central' AND NOT r.ok AND r.failure = 'connect' AND r.observed_at > $1", moved) > 0
	})
	movedIn := time.Since(moved)
	if !logs.has("schedulers restarted on the new configuration") {
		t.Fatal("the agent did not say it restarted its schedulers")
	}
	stop(cmd)
	// One process, one spool, one uploader throughout: seqs 1..n, none lost.
	n := d.assertContiguous()
	t.Logf("new target's first result stored %s after the change, moved endpoint's first failure %s after; %d results contiguous across both changes",
		added.Round(time.Millisecond), movedIn.Round(time.Millisecond), n)
}

func TestAgentRunsOnCachedConfigWhileServerDown(t *testing.T) {
	d := newDeploy(t)
	d.mustEnrol()
	cmd, _ := d.run()
	d.waitResults("central", 2)
	cache := filepath.Join(d.dir, "config-cache.json")
	d.waitFor("the configuration cache", 30*time.Second, func() bool { _, err := os.Stat(cache); return err == nil })

	// The server goes away, and the agent is restarted (a reboot, a crash)
	// while it is gone: it must run from its cache.
	d.stopServer()
	stop(cmd)
	cmd, logs := d.run()
	restarted := time.Now()
	d.waitFor("the agent to start from its cache", 30*time.Second, func() bool {
		return logs.has("running on the cached configuration") && logs.has("cannot fetch the configuration")
	})
	// The spool it started with may hold a result from before: wait until
	// it holds more, measured since the restart.
	start := logs.spoolDepth("agent started")
	d.waitFor("results measured while the server is down", 30*time.Second, func() bool {
		return logs.spoolDepth("delivery failed, will retry") > start
	})
	// A change made meanwhile reaches the agent once the server is back.
	d.putTarget(probe.Target{Name: "central-3", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: d.central.Addr().String()})
	up := time.Now()
	d.startServer()
	d.waitFor("results measured from the cache while the server was down", 30*time.Second, func() bool {
		// Any target will do: both came from the cache.
		return d.count("t.name IN ('central', 'internet') AND r.observed_at BETWEEN $1 AND $2", restarted, up) > 0
	})
	d.waitResults("central-3", 1)
	if !logs.has("configuration changed") {
		t.Fatal("the agent did not log the change it picked up")
	}
	during := d.count("r.observed_at BETWEEN $1 AND $2", restarted, up)
	stop(cmd)
	n := d.assertContiguous()
	t.Logf("restarted during a %s server outage, the agent measured %d results from its cache, delivered them afterwards, then took the new target; %d results contiguous",
		up.Sub(restarted).Round(time.Millisecond), during, n)
}

// spoolDepthRE reads the spool depth the agent logs.
var spoolDepthRE = regexp.MustCompile(`spool_depth=(\d+)`)

// spoolDepth returns the largest spool depth logged on lines with msg, or
// -1 when there is none.
func (l *logBuffer) spoolDepth(msg string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	depth := -1
	for _, line := range strings.Split(l.b.String(), "\n") {
		if !strings.Contains(line, msg) {
			continue
		}
		if m := spoolDepthRE.FindStringSubmatch(line); m != nil {
			if n, err := strconv.Atoi(m[1]); err == nil && n > depth {
				depth = n
			}
		}
	}
	return depth
}

// listenClosed returns a loopback address nothing listens on.
func listenClosed() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}
