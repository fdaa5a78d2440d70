package bench

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/server"
	"github.com/pantau-id/pantau/probe"
)

// wireBatch is one encoded request body and the probe's token.
type wireBatch struct {
	token string
	body  []byte
	n     int
}

// encode gzips every batch the way the agent does (probe/agent encodeBatch),
// before the clock starts: on site the agents compress on their own PCs.
func encode(batches []batchOf) ([]wireBatch, error) {
	out := make([]wireBatch, len(batches))
	for i, b := range batches {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		err := json.NewEncoder(zw).Encode(probe.Batch{Office: b.member.Office.Code,
			Agent: probe.AgentInfo{Version: "bench", OS: "linux", Arch: "amd64"}, Results: b.results})
		if err == nil {
			err = zw.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("encode batch: %w", err)
		}
		out[i] = wireBatch{token: b.member.Token, body: buf.Bytes(), n: len(b.results)}
	}
	return out, nil
}

// startServer serves Pantau's HTTP API on a loopback port until ctx ends.
func startServer(ctx context.Context, store *postgres.Store) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{}, store, slog.New(slog.DiscardHandler), reg, reg)
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}
	return "http://" + ln.Addr().String(), stop, nil
}

// sendAll posts every batch with cfg.Senders concurrent senders and returns
// the wall time; any non-200 answer or a batch not fully accepted fails it.
func sendAll(ctx context.Context, base string, batches []wireBatch, senders int, progress io.Writer, every time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: senders, DisableCompression: true}}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan wireBatch)
	var (
		done    atomic.Int64
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
	)
	fail := func(err error) { errOnce.Do(func() { first = err; cancel() }) }
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for b := range work {
				if err := post(ctx, client, base, b); err != nil {
					fail(err)
					return
				}
				done.Add(int64(b.n))
			}
		})
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	total := 0
	for _, b := range batches {
		total += b.n
	}
feed:
	for _, b := range batches {
		for {
			select {
			case work <- b:
				continue feed
			case <-ticker.C:
				d := done.Load()
				fmt.Fprintf(progress, "api: %d/%d rows, %.0f rows/s\n", d, total, float64(d)/time.Since(start).Seconds())
			case <-ctx.Done():
				break feed
			}
		}
	}
	close(work)
	wg.Wait()
	took := time.Since(start)
	if first != nil {
		return 0, first
	}
	return took, ctx.Err()
}

func post(ctx context.Context, client *http.Client, base string, b wireBatch) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/results", bytes.NewReader(b.body))
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Authorization", "Bearer "+b.token)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("post batch: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("post batch: status %d: %s", resp.StatusCode, bytes.TrimSpace(raw))
	}
	var br probe.BatchResponse
	if err := json.Unmarshal(raw, &br); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	if br.Accepted != b.n {
		return fmt.Errorf("batch of %d: accepted %d, duplicates %d, rejected %d", b.n, br.Accepted, br.Duplicates, len(br.Rejected))
	}
	return nil
}
