package agent

import (
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
)

// fakeIngest is a loopback ingest server that stores results once per seq,
// as the real one does, and lets a test script its answers.
type fakeIngest struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	stored   []uint64 // seqs in the order first stored
	seen     map[uint64]int
	requests []*http.Request
	batches  []probe.Batch
	// script, when set, may answer a request itself (return true); it sees
	// the decoded batch and whether it was stored.
	script func(w http.ResponseWriter, n int, b probe.Batch) bool
	// storeFirst stores the batch before script runs (to lose responses).
	storeFirst bool
	// reject names seqs to reject with a field error.
	reject map[uint64]string
	// date, when set, is sent as the Date header.
	date time.Time
	// got is signalled after each stored batch.
	got chan struct{}
	// notReady makes GET /readyz answer 503, as a server without its
	// database does.
	notReady bool
	// readyChecks counts GET /readyz.
	readyChecks int
}

func newFakeIngest(t *testing.T) *fakeIngest {
	t.Helper()
	f := &fakeIngest{t: t, seen: map[uint64]int{}, reject: map[uint64]string{}, got: make(chan struct{}, 1)}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeIngest) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == ReadyPath {
		f.mu.Lock()
		f.readyChecks++
		notReady := f.notReady
		f.mu.Unlock()
		if notReady {
			writeError(w, http.StatusServiceUnavailable, "unavailable", "database unreachable")
			return
		}
		_, _ = w.Write([]byte(`{"status":"ready"}`))
		return
	}
	var b probe.Batch
	zr, err := gzip.NewReader(r.Body)
	if err == nil {
		err = json.NewDecoder(zr).Decode(&b)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.date.IsZero() {
		w.Header().Set("Date", f.date.UTC().Format(http.TimeFormat))
	}
	if err != nil || r.URL.Path != ResultsPath || r.Header.Get("Content-Encoding") != "gzip" {
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(probe.ErrorBody{Error: probe.ErrorDetail{Code: "invalid", Message: "bad request"}})
		return
	}
	f.requests = append(f.requests, r)
	f.batches = append(f.batches, b)
	n := len(f.requests)
	var resp probe.BatchResponse
	store := func() {
		resp = probe.BatchResponse{Rejected: []probe.Rejection{}}
		for i, res := range b.Results {
			if reason, bad := f.reject[res.Seq]; bad {
				resp.Rejected = append(resp.Rejected, probe.Rejection{Index: i, Seq: res.Seq, Field: "target", Reason: reason})
				continue
			}
			if f.seen[res.Seq]++; f.seen[res.Seq] == 1 {
				f.stored = append(f.stored, res.Seq)
				resp.Accepted++
			} else {
				resp.Duplicates++
			}
		}
	}
	if f.storeFirst {
		store()
	}
	if f.script != nil && f.script(w, n, b) {
		return
	}
	if !f.storeFirst {
		store()
	}
	_ = json.NewEncoder(w).Encode(resp)
	select {
	case f.got <- struct{}{}:
	default:
	}
}

// storedSeqs returns the seqs stored so far, in order.
func (f *fakeIngest) storedSeqs() []uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]uint64(nil), f.stored...)
}

// dropConnection closes the connection without an answer, as a lost link
// or a proxy timeout does.
func dropConnection(w http.ResponseWriter) {
	c, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = c.Close()
	}
}

// writeError answers with an ErrorBody.
func writeError(w http.ResponseWriter, status int, code, msg string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(probe.ErrorBody{Error: probe.ErrorDetail{Code: code, Message: msg}})
}
