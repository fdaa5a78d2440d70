package probe

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCertPEM writes cert as a PEM file and returns its path.
func writeCertPEM(t *testing.T, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatalf("write ca: %v", err)
	}
	return path
}

// certPEM is der as PEM text.
func certPEM(der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// serverPEM is a real certificate (an httptest TLS server's) as PEM text.
func serverPEM(t *testing.T) string {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	return certPEM(srv.Certificate().Raw)
}

// expiredTLSListener serves TLS on loopback with a self-signed certificate
// that expired yesterday; it returns the address and the certificate.
func expiredTLSListener(t *testing.T) (string, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("key: %v", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "expired.pantau.test"},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().Add(-24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatalf("cert: %v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); _ = c.Close() }()
		}
	}()
	return ln.Addr().String(), der
}

func TestTLSCheck(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	t.Cleanup(srv.Close)
	ca := writeCertPEM(t, srv.Certificate().Raw)
	host := srv.Listener.Addr().String()
	wantDays := int(srv.Certificate().NotAfter.Sub(fixedNow).Hours() / 24)
	expiredAddr, expiredDER := expiredTLSListener(t)
	expiredCA := writeCertPEM(t, expiredDER)
	plain := mustListen(t)
	go func() {
		for {
			c, err := plain.Accept()
			if err != nil {
				return
			}
			_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
			_ = c.Close()
		}
	}()
	c := newTestChecker()
	tests := []struct {
		name       string
		target     Target
		wantFail   Failure
		wantDetail string
		wantDays   *int
	}{
		{"trusted via ca file reports days left", Target{Check: CheckTLS, Address: host, TLSCAFile: ca}, FailNone, "expires", &wantDays},
		{"self-signed untrusted is tls failure", Target{Check: CheckTLS, Address: host}, FailTLS, "certificate", nil},
		{"skip verify accepts self-signed", Target{Check: CheckTLS, Address: host, TLSInsecureSkipVerify: true}, FailNone, "TLS", &wantDays},
		{"expired certificate is tls failure", Target{Check: CheckTLS, Address: expiredAddr, TLSCAFile: expiredCA}, FailTLS, "expired", nil},
		{"peer speaking no tls is tls failure", Target{Check: CheckTLS, Address: plain.Addr().String()}, FailTLS, "handshake", nil},
		{"refused is connect failure", Target{Check: CheckTLS, Address: freeAddr(t)}, FailConnect, "refused", nil},
		{"https reports cert days", Target{Check: CheckHTTP, Address: srv.URL, TLSCAFile: ca}, FailNone, "status 200", &wantDays},
		{"https untrusted is tls failure", Target{Check: CheckHTTP, Address: srv.URL}, FailTLS, "certificate", nil},
		{"trusted via ca text reports days left", Target{Check: CheckTLS, Address: host, TLSCA: certPEM(srv.Certificate().Raw)}, FailNone, "expires", &wantDays},
		{"https trusted via ca text", Target{Check: CheckHTTP, Address: srv.URL, TLSCA: certPEM(srv.Certificate().Raw)}, FailNone, "status 200", &wantDays},
		{"ca text of another server is tls failure", Target{Check: CheckTLS, Address: host, TLSCA: certPEM(expiredDER)}, FailTLS, "certificate", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.target.Name = "central-tls"
			r := c.Run(context.Background(), tc.target)
			assertResult(t, r, tc.wantFail, tc.wantDetail)
			switch {
			case tc.wantDays == nil && r.CertDaysLeft != nil:
				t.Fatalf("cert days %d, want none", *r.CertDaysLeft)
			case tc.wantDays != nil && (r.CertDaysLeft == nil || *r.CertDaysLeft != *tc.wantDays):
				t.Fatalf("cert days %v, want %d", r.CertDaysLeft, *tc.wantDays)
			}
		})
	}
}

func TestTargetValidateTLSAndDNSFields(t *testing.T) {
	t.Parallel()
	base := Target{Name: "n", Kind: KindCentral, Address: "a:1"}
	testPEM := serverPEM(t)
	tests := []struct {
		name    string
		mod     func(*Target)
		wantErr string
	}{
		{"dns server on dns check", func(t *Target) { t.Check, t.DNSServer = CheckDNS, "127.0.0.1:53" }, ""},
		{"dns server without port", func(t *Target) { t.Check, t.DNSServer = CheckDNS, "127.0.0.1" }, "dns_server: \"127.0.0.1\" is not host:port"},
		{"dns server on tcp check", func(t *Target) { t.Check, t.DNSServer = CheckTCP, "127.0.0.1:53" }, "dns_server: only applies to dns checks"},
		{"ca file on tcp check", func(t *Target) { t.Check, t.TLSCAFile = CheckTCP, "ca.pem" }, "tls_ca_file: only applies"},
		{"ca file and skip verify", func(t *Target) { t.Check, t.TLSCAFile, t.TLSInsecureSkipVerify = CheckTLS, "ca.pem", true }, "tls_insecure_skip_verify: cannot be combined"},
		{"skip verify on dns check", func(t *Target) { t.Check, t.TLSInsecureSkipVerify = CheckDNS, true }, "tls_insecure_skip_verify: only applies"},
		{"skip verify on http", func(t *Target) { t.Check, t.TLSInsecureSkipVerify = CheckHTTP, true }, ""},
		{"ca text on https", func(t *Target) { t.Check, t.TLSCA = CheckHTTP, testPEM }, ""},
		{"ca text on dns check", func(t *Target) { t.Check, t.TLSCA = CheckDNS, testPEM }, "tls_ca: only applies"},
		{"ca text and ca file", func(t *Target) { t.Check, t.TLSCA, t.TLSCAFile = CheckTLS, testPEM, "ca.pem" }, "tls_ca: cannot be combined"},
		{"ca text without certificates", func(t *Target) { t.Check, t.TLSCA = CheckTLS, "not a certificate" }, "tls_ca: no PEM certificates"},
		{"ca text too long", func(t *Target) { t.Check, t.TLSCA = CheckTLS, strings.Repeat(testPEM, MaxCABundle/len(testPEM)+1) }, "tls_ca: "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tg := base
			tc.mod(&tg)
			err := tg.Validate()
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("Validate = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
