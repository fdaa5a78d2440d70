package auth

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

func TestClientAddr(t *testing.T) {
	proxies, err := ParseProxies("127.0.0.1, 10.0.0.0/8")
	if err != nil {
		t.Fatal(err)
	}
	g := New(nil, Config{TrustedProxies: proxies}, time.Now, nil, nil)
	tests := []struct{ name, peer, xff, want string }{
		{"no proxy: the peer", "203.0.113.7:5000", "", "203.0.113.7"},
		{"an untrusted peer's header is ignored", "203.0.113.7:5000", "198.51.100.1", "203.0.113.7"},
		{"a trusted proxy names the client", "127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},
		{"a spoofed first hop behind the proxy is skipped", "127.0.0.1:5000", "6.6.6.6, 198.51.100.1", "198.51.100.1"},
		{"trusted hops are walked back", "127.0.0.1:5000", "198.51.100.1, 10.1.2.3", "198.51.100.1"},
		{"a garbage hop stops the walk", "127.0.0.1:5000", "junk, 10.1.2.3", "10.1.2.3"},
		{"IPv6 peer", "[2001:db8::1]:5000", "198.51.100.1", "2001:db8::1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := gin.CreateTestContext(httptest.NewRecorder())
			c.Request = httptest.NewRequest("GET", "/login", nil)
			c.Request.RemoteAddr = tc.peer
			if tc.xff != "" {
				c.Request.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := g.ClientAddr(c); got != tc.want {
				t.Fatalf("ClientAddr = %q, want %q", got, tc.want)
			}
		})
	}
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Fatal("a bad prefix was accepted")
	}
}

func TestLoginTokenIsSignedAndExpires(t *testing.T) {
	now := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	g := New(nil, Config{}, func() time.Time { return now }, nil, nil)
	tok, err := g.NewLoginToken()
	if err != nil || !g.ValidLoginToken(tok) {
		t.Fatalf("fresh token %q refused (%v)", tok, err)
	}
	other := New(nil, Config{}, func() time.Time { return now }, nil, nil)
	for _, bad := range []string{"", "mine", tok + "x", tok[:len(tok)-2]} {
		if g.ValidLoginToken(bad) {
			t.Errorf("token %q accepted", bad)
		}
	}
	if other.ValidLoginToken(tok) {
		t.Error("another key accepted the token")
	}
	now = now.Add(loginTokenTTL + time.Second)
	if g.ValidLoginToken(tok) {
		t.Error("an expired token accepted")
	}
}

func TestLocalPath(t *testing.T) {
	for in, want := range map[string]string{
		"/offices/73.71": "/offices/73.71", "/a?b=c#d": "/a?b=c#d", "/\t/evil.example": "/", "//evil.example": "/",
		"/\\evil": "/", "https://evil.example": "/", "evil.example": "/", "/\x00": "/", "/\xff": "/", "": "/",
		"/%2F%2Fevil.example": "/", // decoded, it would start with //
	} {
		if got := LocalPath(in); got != want {
			t.Errorf("LocalPath(%q) = %q, want %q", in, got, want)
		}
	}
}
