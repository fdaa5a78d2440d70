// Package probe holds the vocabulary the office agent and the server share:
// targets, check results and the batch wire format. It imports only the
// standard library so the agent stays small.
package probe

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"
)

// TargetKind tells what a target stands for. Detection compares a failing
// central target with the office's internet reference to find the cause.
type TargetKind string

// Target kinds.
const (
	KindCentral  TargetKind = "central"
	KindInternet TargetKind = "internet"
)

// Valid reports whether k is a known target kind.
func (k TargetKind) Valid() bool { return k == KindCentral || k == KindInternet }

// CheckType is the kind of measurement a probe makes against a target.
type CheckType string

// Check types.
const (
	CheckTCP  CheckType = "tcp"
	CheckHTTP CheckType = "http"
	CheckTLS  CheckType = "tls"
	CheckDNS  CheckType = "dns"
	CheckICMP CheckType = "icmp"
)

// Valid reports whether c is a known check type.
func (c CheckType) Valid() bool {
	switch c {
	case CheckTCP, CheckHTTP, CheckTLS, CheckDNS, CheckICMP:
		return true
	}
	return false
}

// Failure is the class of a failed check; empty when the check succeeded.
type Failure string

// Failure classes, as DESIGN.md names them.
const (
	FailNone    Failure = ""
	FailDNS     Failure = "dns"
	FailConnect Failure = "connect"
	FailTLS     Failure = "tls"
	FailHTTP    Failure = "http"
	FailTimeout Failure = "timeout"
)

// Valid reports whether f is a known failure class (or none).
func (f Failure) Valid() bool {
	switch f {
	case FailNone, FailDNS, FailConnect, FailTLS, FailHTTP, FailTimeout:
		return true
	}
	return false
}

// Target is one thing a probe checks. Name is unique within an office and is
// how results refer to their target on the wire.
type Target struct {
	Name    string     `json:"name" yaml:"name"`
	Kind    TargetKind `json:"kind" yaml:"kind"`
	Check   CheckType  `json:"check" yaml:"check"`
	Address string     `json:"address" yaml:"address"` // host:port, URL or host name, by check type
	// ExpectStatus is the HTTP status that counts as success (0 means 200-399).
	ExpectStatus int `json:"expect_status,omitempty" yaml:"expect_status,omitempty"`
	// BodyContains, when set, must appear in the HTTP response body.
	BodyContains string `json:"body_contains,omitempty" yaml:"body_contains,omitempty"`
	// Timeout bounds one check; 0 means the agent's default.
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
	// Interval, when set, is this target's own check interval; 0 means the
	// agent's (or the server's configuration's) interval.
	Interval Duration `json:"interval,omitempty" yaml:"interval,omitempty"`
	// DNSServer, for dns checks only, is the resolver to ask as host:port
	// (for example "10.0.0.53:53"); empty means the system's resolvers.
	DNSServer string `json:"dns_server,omitempty" yaml:"dns_server,omitempty"`
	// TLSCAFile, for tls and https checks, is a PEM file of certificates to
	// trust instead of the system roots (a private CA or a self-signed test
	// server). Verification stays on.
	TLSCAFile string `json:"tls_ca_file,omitempty" yaml:"tls_ca_file,omitempty"`
	// TLSCA is the same as PEM text, for targets the server hands out: an
	// admin gives the bundle once (`pantau admin add-target -tls-ca FILE`
	// or the admin page) and every agent of the office trusts it, with no
	// file to place on the office's PC.
	TLSCA string `json:"tls_ca,omitempty" yaml:"tls_ca,omitempty"`
	// TLSInsecureSkipVerify turns certificate verification off for tls and
	// https checks. Off by default; meant for test set-ups only, since a
	// failing certificate is exactly what a tls check should report.
	TLSInsecureSkipVerify bool `json:"tls_insecure_skip_verify,omitempty" yaml:"tls_insecure_skip_verify,omitempty"`
}

// Validate names the first field of t that is wrong.
func (t Target) Validate() error {
	switch {
	case strings.TrimSpace(t.Name) == "":
		return fmt.Errorf("name: must not be empty")
	case !t.Kind.Valid():
		return fmt.Errorf("kind: %q is not central or internet", t.Kind)
	case !t.Check.Valid():
		return fmt.Errorf("check: %q is not one of tcp, http, tls, dns, icmp", t.Check)
	case strings.TrimSpace(t.Address) == "":
		return fmt.Errorf("address: must not be empty")
	case t.ExpectStatus != 0 && (t.ExpectStatus < 100 || t.ExpectStatus > 599):
		return fmt.Errorf("expect_status: %d is not an HTTP status", t.ExpectStatus)
	case t.Timeout < 0:
		return fmt.Errorf("timeout: must not be negative")
	case t.Interval < 0:
		return fmt.Errorf("interval: must not be negative")
	case t.DNSServer != "" && t.Check != CheckDNS:
		return fmt.Errorf("dns_server: only applies to dns checks, not %s", t.Check)
	case t.DNSServer != "" && !isHostPort(t.DNSServer):
		return fmt.Errorf("dns_server: %q is not host:port", t.DNSServer)
	case t.TLSCAFile != "" && t.Check != CheckTLS && t.Check != CheckHTTP:
		return fmt.Errorf("tls_ca_file: only applies to tls and http checks, not %s", t.Check)
	case t.TLSInsecureSkipVerify && t.Check != CheckTLS && t.Check != CheckHTTP:
		return fmt.Errorf("tls_insecure_skip_verify: only applies to tls and http checks, not %s", t.Check)
	case t.TLSCAFile != "" && t.TLSInsecureSkipVerify:
		return fmt.Errorf("tls_insecure_skip_verify: cannot be combined with tls_ca_file")
	case t.TLSCA != "" && t.Check != CheckTLS && t.Check != CheckHTTP:
		return fmt.Errorf("tls_ca: only applies to tls and http checks, not %s", t.Check)
	case t.TLSCA != "" && (t.TLSInsecureSkipVerify || t.TLSCAFile != ""):
		return fmt.Errorf("tls_ca: cannot be combined with tls_ca_file or tls_insecure_skip_verify")
	case len(t.TLSCA) > MaxCABundle:
		return fmt.Errorf("tls_ca: %d bytes, more than %d", len(t.TLSCA), MaxCABundle)
	case t.TLSCA != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(t.TLSCA)):
		return fmt.Errorf("tls_ca: no PEM certificates found")
	}
	return nil
}

// MaxCABundle bounds a CA bundle given as text: a few dozen certificates.
const MaxCABundle = 256 << 10

// isHostPort reports whether s is host:port with a non-empty host and port.
func isHostPort(s string) bool {
	h, p, err := net.SplitHostPort(s)
	return err == nil && h != "" && p != ""
}

// Result is one observation. Seq is the probe's own sequence number, strictly
// increasing across restarts; (probe, seq) makes delivery idempotent.
// ObservedAt is when it was observed, on the server's clock as far as the
// agent knows it (its local clock corrected by the offset it measured from
// the server's Date header): detection runs on it, never on arrival.
// LocalAt is the raw local clock at that moment, kept beside it so a wrong
// correction can be seen; zero from agents that predate it.
type Result struct {
	Seq        uint64    `json:"seq"`
	Target     string    `json:"target"`
	ObservedAt time.Time `json:"observed_at"`
	LocalAt    time.Time `json:"local_at,omitzero"`
	OK         bool      `json:"ok"`
	Failure    Failure   `json:"failure,omitempty"`
	LatencyMS  float64   `json:"latency_ms"`
	Detail     string    `json:"detail,omitempty"`
	// CertDaysLeft is set by TLS and HTTPS checks: days until the peer
	// certificate expires.
	CertDaysLeft *int `json:"cert_days_left,omitempty"`
}

// AgentInfo travels with every batch so the server can show the agent's
// health without a separate call.
type AgentInfo struct {
	Version       string `json:"version"`
	OS            string `json:"os"`
	Arch          string `json:"arch"`
	SpoolDepth    int64  `json:"spool_depth"`
	Dropped       uint64 `json:"dropped"`
	ClockOffsetMS int64  `json:"clock_offset_ms"`
}

// Batch is the body of POST /api/v1/results (optionally gzip-encoded).
type Batch struct {
	// Office, when set, is the office code the agent believes it serves; the
	// server refuses the batch (403) if the token belongs to another office.
	Office  string    `json:"office,omitempty"`
	Agent   AgentInfo `json:"agent"`
	Results []Result  `json:"results"`
}

// Rejection names one result the server refused and why. The agent drops
// rejected items from its spool: one bad item must never block it forever.
type Rejection struct {
	Index  int    `json:"index"`
	Seq    uint64 `json:"seq"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// BatchResponse is the server's answer to a batch, sent after the commit.
type BatchResponse struct {
	Accepted   int         `json:"accepted"`
	Duplicates int         `json:"duplicates"`
	Rejected   []Rejection `json:"rejected"`
}

// ErrorBody is the one JSON shape of every error the server returns.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Duration is a time.Duration that reads and writes as "30s", "1m" in JSON
// and YAML, so config files stay readable.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalText writes d as Go duration text.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads Go duration text such as "30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes d as a JSON string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a JSON string such as "30s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("duration must be a string such as \"30s\": %w", err)
	}
	return d.UnmarshalText([]byte(s))
}

// UpdateOffer is the release the server offers an agent in its config
// response. The agent downloads URL (a path on the server, with its probe
// token) and runs the program only if Sums verifies against the public key
// it was enrolled with and the download matches its line for Name.
type UpdateOffer struct {
	Version   string `json:"version"`
	Name      string `json:"name"`      // the binary's name in Sums
	URL       string `json:"url"`       // download path, relative to the server
	Sums      string `json:"sums"`      // SHA256SUMS, the exact signed text
	Signature string `json:"signature"` // SHA256SUMS.sig
}
