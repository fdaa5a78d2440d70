package probe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"
)

// Outcome is what one check function reports; the Checker adds the target
// name, the time observed and the latency to make a Result.
type Outcome struct {
	// Failure is empty when the check succeeded.
	Failure Failure
	// Detail is a short human text: the error, or what was seen on success.
	Detail string
	// CertDaysLeft is set by checks that saw a peer certificate.
	CertDaysLeft *int
}

// CheckFunc measures one target. It must return when ctx is done; the
// deadline on ctx is the check's timeout.
type CheckFunc func(ctx context.Context, t Target) Outcome

// Checker runs checks by type. It holds no state between checks, so one
// Checker may be used by many goroutines.
type Checker struct {
	checks  map[CheckType]CheckFunc
	now     func() time.Time
	timeout time.Duration
	cas     caCache
}

// NewChecker returns a Checker with every check type registered.
// defaultTimeout bounds a check whose target sets no timeout of its own;
// now is the clock (nil means time.Now).
func NewChecker(defaultTimeout time.Duration, now func() time.Time) *Checker {
	if now == nil {
		now = time.Now
	}
	if defaultTimeout <= 0 {
		defaultTimeout = 10 * time.Second
	}
	c := &Checker{now: now, timeout: defaultTimeout}
	c.checks = map[CheckType]CheckFunc{
		CheckTCP:  checkTCP,
		CheckHTTP: c.checkHTTP,
		CheckTLS:  c.checkTLS,
		CheckDNS:  checkDNS,
		CheckICMP: checkICMP,
	}
	return c
}

// Run checks t once and returns its Result (Seq left zero: the spool assigns
// it). A check type with no registered function fails as a connect error.
func (c *Checker) Run(ctx context.Context, t Target) Result {
	timeout := t.Timeout.D()
	if timeout <= 0 {
		timeout = c.timeout
	}
	start := c.now()
	res := Result{Target: t.Name, ObservedAt: start.UTC()}
	fn, ok := c.checks[t.Check]
	if !ok {
		res.Failure = FailConnect
		res.Detail = fmt.Sprintf("no check for type %q", t.Check)
		return res
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	out := fn(cctx, t)
	elapsed := c.now().Sub(start)
	res.LatencyMS = float64(elapsed.Microseconds()) / 1000
	res.OK = out.Failure == FailNone
	res.Failure = out.Failure
	res.Detail = out.Detail
	res.CertDaysLeft = out.CertDaysLeft
	return res
}

// ValidateAddress checks that t.Address has the form its check type needs.
// Target.Validate checks the fields that need no knowledge of check kinds.
func ValidateAddress(t Target) error {
	switch t.Check {
	case CheckTCP, CheckTLS:
		if !isHostPort(t.Address) {
			return fmt.Errorf("address: %q is not host:port", t.Address)
		}
	case CheckHTTP:
		u, err := url.Parse(t.Address)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("address: %q is not an http:// or https:// URL", t.Address)
		}
	case CheckDNS, CheckICMP:
		if _, _, err := net.SplitHostPort(t.Address); err == nil {
			return fmt.Errorf("address: %q must be a host name without a port", t.Address)
		}
	}
	return nil
}

// classify turns an error from dialing, TLS or HTTP into a failure class.
// Order matters: a timeout anywhere is a timeout, whatever layer saw it.
func classify(ctx context.Context, err error) Failure {
	var netErr net.Error
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return FailNone
	case errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded,
		errors.As(err, &netErr) && netErr.Timeout():
		return FailTimeout
	case errors.As(err, &dnsErr):
		return FailDNS
	case isTLSError(err):
		return FailTLS
	}
	return FailConnect
}

// isTLSError reports whether err comes from the TLS layer: a handshake
// alert, a certificate that does not verify, or a peer that speaks no TLS.
func isTLSError(err error) bool {
	var (
		verr    *tls.CertificateVerificationError
		alert   tls.AlertError
		recErr  tls.RecordHeaderError
		unknown x509.UnknownAuthorityError
		inval   x509.CertificateInvalidError
		host    x509.HostnameError
	)
	return errors.As(err, &verr) || errors.As(err, &alert) || errors.As(err, &recErr) ||
		errors.As(err, &unknown) || errors.As(err, &inval) || errors.As(err, &host)
}

// fail builds a failed Outcome from err, classified.
func fail(ctx context.Context, err error) Outcome {
	return Outcome{Failure: classify(ctx, err), Detail: err.Error()}
}

// certDays returns whole days from now until the leaf certificate in cs
// expires (negative once expired), or nil when there is none.
func certDays(cs tls.ConnectionState, now time.Time) *int {
	if len(cs.PeerCertificates) == 0 {
		return nil
	}
	d := int(cs.PeerCertificates[0].NotAfter.Sub(now).Hours() / 24)
	return &d
}
