package main

import (
	"compress/gzip"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// servers are the local endpoints the agent checks and reports to.
type servers struct {
	tcp    net.Listener
	web    *httptest.Server
	tls    *httptest.Server
	caPEM  string
	sink   *sink
	ingest *httptest.Server
}

// startServers starts a TCP listener, an HTTP and an HTTPS server (its
// certificate written to dir/ca.pem) and the ingest sink.
func startServers(dir string) (*servers, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	page := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("SIAK OK")) })
	quiet := func(tlsOn bool) *httptest.Server {
		srv := httptest.NewUnstartedServer(page)
		// A check cut off by the agent's stop is not news.
		srv.Config.ErrorLog = log.New(io.Discard, "", 0)
		if tlsOn {
			srv.StartTLS()
		} else {
			srv.Start()
		}
		return srv
	}
	s := &servers{tcp: ln, web: quiet(false), tls: quiet(true), sink: &sink{seen: map[uint64]bool{}}}
	s.ingest = httptest.NewServer(s.sink)
	s.caPEM = filepath.Join(dir, "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.tls.Certificate().Raw})
	if err := os.WriteFile(s.caPEM, block, 0o600); err != nil {
		s.close()
		return nil, fmt.Errorf("write ca: %w", err)
	}
	return s, nil
}

func (s *servers) close() {
	_ = s.tcp.Close()
	s.web.Close()
	s.tls.Close()
	s.ingest.Close()
}

// config is an agent config with n targets cycling through tcp, http,
// https and tls.
func (s *servers) config(n int, interval time.Duration, spoolDir string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server: %s\ntoken: bench\ninterval: %s\ntimeout: 5s\nspool_dir: %s\nlog_level: warn\ntargets:\n",
		s.ingest.URL, interval, spoolDir)
	for i := range n {
		kind := "central"
		if i%4 == 3 {
			kind = "internet"
		}
		switch i % 4 {
		case 0:
			fmt.Fprintf(&b, "  - {name: t%02d-tcp, kind: %s, check: tcp, address: %q}\n", i, kind, s.tcp.Addr().String())
		case 1:
			fmt.Fprintf(&b, "  - {name: t%02d-http, kind: %s, check: http, address: %q, body_contains: OK}\n", i, kind, s.web.URL+"/health")
		case 2:
			fmt.Fprintf(&b, "  - {name: t%02d-https, kind: %s, check: http, address: %q, tls_ca_file: %q}\n", i, kind, s.tls.URL+"/", s.caPEM)
		default:
			fmt.Fprintf(&b, "  - {name: t%02d-tls, kind: %s, check: tls, address: %q, tls_ca_file: %q}\n", i, kind, s.tls.Listener.Addr().String(), s.caPEM)
		}
	}
	return b.String()
}

// sink is the ingest endpoint: it decodes each batch and answers 200.
type sink struct {
	mu   sync.Mutex
	seen map[uint64]bool
}

func (k *sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b probe.Batch
	zr, err := gzip.NewReader(r.Body)
	if err == nil {
		err = json.NewDecoder(zr).Decode(&b)
	}
	if err != nil {
		http.Error(w, `{"error":{"code":"invalid","message":"bad batch"}}`, http.StatusBadRequest)
		return
	}
	k.mu.Lock()
	for _, res := range b.Results {
		k.seen[res.Seq] = true
	}
	k.mu.Unlock()
	_ = json.NewEncoder(w).Encode(probe.BatchResponse{Accepted: len(b.Results), Rejected: []probe.Rejection{}})
}

func (k *sink) count() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.seen)
}
