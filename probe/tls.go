package probe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
)

// checkTLS succeeds when a TLS handshake with t.Address (host:port) completes
// and the certificate verifies; it reports the days until the leaf expires.
// An expired or untrusted certificate is a tls failure.
func (c *Checker) checkTLS(ctx context.Context, t Target) Outcome {
	host, _, err := net.SplitHostPort(t.Address)
	if err != nil {
		return Outcome{Failure: FailConnect, Detail: fmt.Sprintf("address %q: %v", t.Address, err)}
	}
	cfg, err := c.tlsConfig(t, host)
	if err != nil {
		return Outcome{Failure: FailTLS, Detail: err.Error()}
	}
	raw, err := checkDialer().DialContext(ctx, "tcp", t.Address)
	if err != nil {
		return fail(ctx, fmt.Errorf("tcp connect %s: %w", t.Address, err))
	}
	defer func() { _ = raw.Close() }()
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		out := fail(ctx, fmt.Errorf("tls handshake %s: %w", t.Address, err))
		if out.Failure == FailConnect {
			// The TCP connection opened: whatever broke did so in TLS.
			out.Failure = FailTLS
		}
		return out
	}
	cs := conn.ConnectionState()
	days := certDays(cs, c.now())
	detail := fmt.Sprintf("%s, %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))
	if days != nil {
		detail += fmt.Sprintf(", certificate %q expires %s", cs.PeerCertificates[0].Subject.CommonName,
			cs.PeerCertificates[0].NotAfter.UTC().Format("2006-01-02"))
	}
	return Outcome{Detail: detail, CertDaysLeft: days}
}
