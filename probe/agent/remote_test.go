package agent

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/spool"
)

// configServer serves GET /api/v1/probe/config from settings a test
// changes, with an ETag, and passes everything else to a fakeIngest.
type configServer struct {
	ingest *fakeIngest
	srv    *httptest.Server

	mu       sync.Mutex
	settings Settings
	version  int
	down     bool
	notMod   int
	served   int // 200 answers
}

func newConfigServer(t *testing.T, s Settings) *configServer {
	t.Helper()
	c := &configServer{ingest: newFakeIngest(t), settings: s, version: 1}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ConfigPath {
			c.ingest.serve(w, r)
			return
		}
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.down {
			dropConnection(w)
			return
		}
		tag := fmt.Sprintf(`"v%d"`, c.version)
		if r.Header.Get("If-None-Match") == tag {
			c.notMod++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		c.served++
		w.Header().Set("ETag", tag)
		_ = json.NewEncoder(w).Encode(c.settings)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *configServer) set(s Settings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.settings, c.version = s, c.version+1
}

func (c *configServer) setDown(down bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.down = down
}

// seenTargets returns how many results of each target were stored.
func (f *fakeIngest) seenTargets() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := map[string]int{}
	for _, b := range f.batches {
		for _, r := range b.Results {
			n[r.Target]++
		}
	}
	return n
}

// waitUntil waits for cond, failing the test after a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCentralConfigFollowsChangesAndCaches(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	tcp := func(name string) probe.Target {
		return probe.Target{Name: name, Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()}
	}
	cs := newConfigServer(t, Settings{Office: "73.71", Interval: probe.Duration(10 * time.Millisecond), Targets: []probe.Target{tcp("a")}})
	dir := t.TempDir()
	cache := filepath.Join(dir, "config-cache.json")
	sp, err := spool.Open(filepath.Join(dir, "spool"), spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	cfg := Config{Server: cs.srv.URL, Token: "tok", ConfigPoll: 10 * time.Millisecond, ConfigCache: cache}
	run := func() (stop func()) {
		a, err := New(cfg, sp)
		if err != nil {
			t.Fatalf("new: %v", err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx) }()
		return func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("run: %v", err)
				}
			case <-time.After(30 * time.Second):
				t.Fatal("Run did not return within 30 s of stop")
			}
		}
	}
	stop := run()
	waitUntil(t, "results of target a", func() bool { return cs.ingest.seenTargets()["a"] > 3 })
	waitUntil(t, "a 304 on an unchanged configuration", func() bool { cs.mu.Lock(); defer cs.mu.Unlock(); return cs.notMod > 0 })

	cs.set(Settings{Office: "73.71", Interval: probe.Duration(10 * time.Millisecond), Targets: []probe.Target{tcp("b")}})
	waitUntil(t, "results of the new target b", func() bool { return cs.ingest.seenTargets()["b"] > 3 })
	var c cacheFile
	waitUntil(t, "the cache to hold target b", func() bool {
		b, err := os.ReadFile(cache)
		return err == nil && json.Unmarshal(b, &c) == nil && len(c.Settings.Targets) == 1 && c.Settings.Targets[0].Name == "b"
	})
	if c.Server != cs.srv.URL || c.ETag == "" {
		t.Fatalf("cache = %+v, want the server and its ETag", c)
	}
	stop()
	// The schedulers restarted; the spool and uploader did not: one
	// contiguous run of seqs, all delivered.
	if st := sp.Stats(); st.Depth != 0 {
		t.Fatalf("spool depth %d after a clean stop", st.Depth)
	}
	assertContiguous(t, cs.ingest.storedSeqs(), int(sp.Stats().LastSeq))

	// Restarted while the server is down: it runs from the cache (b), and
	// takes the next change when the server is back.
	cs.setDown(true)
	before := cs.ingest.seenTargets()["b"]
	stop = run()
	defer stop()
	waitUntil(t, "results of cached target b while config is down", func() bool { return cs.ingest.seenTargets()["b"] > before+3 })
	cs.set(Settings{Office: "73.71", Interval: probe.Duration(10 * time.Millisecond), Targets: []probe.Target{tcp("b"), tcp("c")}})
	cs.setDown(false)
	waitUntil(t, "results of target c after the server came back", func() bool { return cs.ingest.seenTargets()["c"] > 3 })
}

func TestSettingsValidate(t *testing.T) {
	t.Parallel()
	ok := probe.Target{Name: "a", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: "127.0.0.1:1"}
	tests := []struct {
		name    string
		s       Settings
		wantErr bool
	}{
		{"no targets is valid", Settings{Interval: probe.Duration(time.Second)}, false},
		{"one target is valid", Settings{Interval: probe.Duration(time.Second), Targets: []probe.Target{ok}}, false},
		{"zero interval is refused", Settings{Targets: []probe.Target{ok}}, true},
		{"duplicate names are refused", Settings{Interval: probe.Duration(time.Second), Targets: []probe.Target{ok, ok}}, true},
		{"bad target is refused", Settings{Interval: probe.Duration(time.Second), Targets: []probe.Target{{Name: "x"}}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.s.Validate(); (err != nil) != tc.wantErr {
				t.Fatalf("Validate() = %v, want error %v", err, tc.wantErr)
			}
		})
	}
}

func TestCacheIgnoredForAnotherServer(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "c.json")
	s := Settings{Interval: probe.Duration(time.Second)}
	if err := saveCache(context.Background(), path, cacheFile{Server: "https://a.example", Settings: s}); err != nil {
		t.Fatalf("save: %v", err)
	}
	if _, ok, err := loadCache(path, "https://a.example"); !ok || err != nil {
		t.Fatalf("same server: ok %v err %v, want the cache", ok, err)
	}
	if _, ok, err := loadCache(path, "https://b.example"); ok || err != nil {
		t.Fatalf("other server: ok %v err %v, want it ignored", ok, err)
	}
}

func TestBadConfigurationFromServerKeepsTheCurrentOne(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	good := probe.Target{Name: "a", Kind: probe.KindCentral, Check: probe.CheckTCP, Address: ln.Addr().String()}
	cs := newConfigServer(t, Settings{Interval: probe.Duration(10 * time.Millisecond), Targets: []probe.Target{good}})
	sp, err := spool.Open(t.TempDir(), spool.Options{})
	if err != nil {
		t.Fatalf("open spool: %v", err)
	}
	t.Cleanup(func() { _ = sp.Close() })
	cache := filepath.Join(t.TempDir(), "cache.json")
	a, err := New(Config{Server: cs.srv.URL, Token: "tok", ConfigPoll: 10 * time.Millisecond, ConfigCache: cache}, sp)
	if err != nil {
		t.Fatalf("new: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Error("Run did not return within 30 s of stop")
		}
	}()
	waitUntil(t, "results of a", func() bool { return cs.ingest.seenTargets()["a"] > 0 })
	// A target without an address: refused, the agent keeps checking a.
	bad := Settings{Interval: probe.Duration(10 * time.Millisecond), Targets: []probe.Target{{Name: "b", Kind: probe.KindCentral, Check: probe.CheckTCP}}}
	cs.set(bad)
	cs.mu.Lock()
	served := cs.served
	cs.mu.Unlock()
	waitUntil(t, "the bad configuration to be fetched a few times", func() bool {
		cs.mu.Lock()
		defer cs.mu.Unlock()
		return cs.served > served+3
	})
	before := cs.ingest.seenTargets()["a"]
	waitUntil(t, "more results of a", func() bool { return cs.ingest.seenTargets()["a"] > before })
	if n := cs.ingest.seenTargets()["b"]; n != 0 {
		t.Fatalf("%d results of the invalid target b", n)
	}
	b, err := os.ReadFile(cache)
	if err != nil || !bytes.Contains(b, []byte(`"name": "a"`)) || bytes.Contains(b, []byte(`"name": "b"`)) {
		t.Fatalf("cache = %s, %v; want the last good configuration", b, err)
	}
}
