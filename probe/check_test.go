package probe

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// fixedNow is the clock of checkers in tests, so certificate days are exact.
var fixedNow = time.Date(2026, 1, 8, 0, 0, 0, 0, time.UTC)

func newTestChecker() *Checker {
	return NewChecker(2*time.Second, func() time.Time { return fixedNow })
}

// mustListen opens a loopback TCP listener closed at the end of the test.
func mustListen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	return ln
}

// freeAddr returns a loopback address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// assertResult checks the class of r and that its detail mentions want.
func assertResult(t *testing.T, r Result, wantFail Failure, wantDetail string) {
	t.Helper()
	if r.Failure != wantFail || r.OK != (wantFail == FailNone) {
		t.Fatalf("result ok=%v failure=%q (detail %q), want failure %q", r.OK, r.Failure, r.Detail, wantFail)
	}
	if !strings.Contains(r.Detail, wantDetail) {
		t.Fatalf("detail %q does not contain %q", r.Detail, wantDetail)
	}
}

func TestTCPCheck(t *testing.T) {
	t.Parallel()
	ln := mustListen(t)
	c := newTestChecker()
	tests := []struct {
		name       string
		addr       string
		wantFail   Failure
		wantDetail string
	}{
		{"listening port connects", ln.Addr().String(), FailNone, "connected to " + ln.Addr().String()},
		{"closed port is connect failure", freeAddr(t), FailConnect, "refused"},
		{"unknown host is dns failure", "no-such-host.invalid:80", FailDNS, "no-such-host.invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := c.Run(context.Background(), Target{Name: "t", Check: CheckTCP, Address: tc.addr})
			assertResult(t, r, tc.wantFail, tc.wantDetail)
			if r.Target != "t" || !r.ObservedAt.Equal(fixedNow) {
				t.Fatalf("target %q observed %v, want t at %v", r.Target, r.ObservedAt, fixedNow)
			}
		})
	}
}

func TestHTTPCheck(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("SIAK online")) })
	mux.HandleFunc("/down", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/moved", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusFound) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := newTestChecker()
	tests := []struct {
		name       string
		target     Target
		wantFail   Failure
		wantDetail string
	}{
		{"200 is up by default", Target{Address: srv.URL + "/ok"}, FailNone, "status 200"},
		{"redirect followed to 200", Target{Address: srv.URL + "/moved"}, FailNone, "status 200"},
		{"503 is http failure", Target{Address: srv.URL + "/down"}, FailHTTP, "status 503, want 200-399"},
		{"expected 404 is up", Target{Address: srv.URL + "/missing", ExpectStatus: 404}, FailNone, "status 404"},
		{"200 when 204 expected is http failure", Target{Address: srv.URL + "/ok", ExpectStatus: 204}, FailHTTP, "status 200, want 204"},
		{"body text found", Target{Address: srv.URL + "/ok", BodyContains: "online"}, FailNone, "status 200"},
		{"body text missing is http failure", Target{Address: srv.URL + "/ok", BodyContains: "offline"}, FailHTTP, `does not contain "offline"`},
		{"refused is connect failure", Target{Address: "http://" + freeAddr(t) + "/"}, FailConnect, "refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.target.Name, tc.target.Check = "h", CheckHTTP
			r := c.Run(context.Background(), tc.target)
			assertResult(t, r, tc.wantFail, tc.wantDetail)
			if r.CertDaysLeft != nil {
				t.Fatalf("plain http reported cert days %d", *r.CertDaysLeft)
			}
		})
	}
}

func TestTimeoutClass(t *testing.T) {
	t.Parallel()
	// A handler that answers only when the test ends: the check must time out.
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	// A TCP listener that never accepts: the connect succeeds (backlog) but
	// the TLS handshake never gets an answer.
	ln := mustListen(t)
	c := newTestChecker()
	short := Duration(150 * time.Millisecond)
	tests := []struct {
		name   string
		target Target
	}{
		{"http server that never answers", Target{Check: CheckHTTP, Address: srv.URL}},
		{"tls peer that never handshakes", Target{Check: CheckTLS, Address: ln.Addr().String()}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.target.Name, tc.target.Timeout = "slow", short
			r := c.Run(context.Background(), tc.target)
			assertResult(t, r, FailTimeout, "")
		})
	}
}

func TestUnknownCheckType(t *testing.T) {
	t.Parallel()
	r := newTestChecker().Run(context.Background(), Target{Name: "x", Check: "smtp", Address: "a"})
	assertResult(t, r, FailConnect, `no check for type "smtp"`)
}

func TestValidateAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		target  Target
		wantErr string
	}{
		{"tcp host:port", Target{Check: CheckTCP, Address: "10.0.0.1:443"}, ""},
		{"tcp without port", Target{Check: CheckTCP, Address: "10.0.0.1"}, "address: \"10.0.0.1\" is not host:port"},
		{"http url", Target{Check: CheckHTTP, Address: "https://siak.example.go.id/"}, ""},
		{"http without scheme", Target{Check: CheckHTTP, Address: "siak.example.go.id"}, "not an http:// or https:// URL"},
		{"dns with port", Target{Check: CheckDNS, Address: "example.com:53"}, "without a port"},
		{"icmp host", Target{Check: CheckICMP, Address: "10.0.0.1"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateAddress(tc.target)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("ValidateAddress = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
