package probe

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// maxBodyScan bounds how much of a response body is read to look for
// BodyContains: enough for a status page, not a download.
const maxBodyScan = 1 << 20

// checkHTTP fetches t.Address with GET on a fresh connection. It succeeds on
// t.ExpectStatus (or 200-399 when unset) and, when t.BodyContains is set,
// that text in the body. For https it also reports certificate days left.
func (c *Checker) checkHTTP(ctx context.Context, t Target) Outcome {
	u, err := url.Parse(t.Address)
	if err != nil {
		return Outcome{Failure: FailHTTP, Detail: fmt.Sprintf("address %q: %v", t.Address, err)}
	}
	tlsCfg, err := c.tlsConfig(t, u.Hostname())
	if err != nil {
		return Outcome{Failure: FailTLS, Detail: err.Error()}
	}
	tr := &http.Transport{
		DialContext:         checkDialer().DialContext,
		TLSClientConfig:     tlsCfg,
		DisableKeepAlives:   true, // each check measures a fresh connection
		TLSHandshakeTimeout: 0,    // ctx bounds the whole check
		Proxy:               http.ProxyFromEnvironment,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{
		Transport: tr,
		// Redirects are followed (up to 10, Go's default) so a moved page
		// is judged by where it lands.
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.Address, nil)
	if err != nil {
		return Outcome{Failure: FailHTTP, Detail: fmt.Sprintf("build request: %v", err)}
	}
	req.Header.Set("User-Agent", "pantau-probe")
	resp, err := client.Do(req)
	if err != nil {
		return fail(ctx, fmt.Errorf("http get: %w", err))
	}
	defer func() { _ = resp.Body.Close() }()

	var days *int
	if resp.TLS != nil {
		days = certDays(*resp.TLS, c.now())
	}
	okStatus := resp.StatusCode >= 200 && resp.StatusCode <= 399
	want := "200-399"
	if t.ExpectStatus != 0 {
		okStatus = resp.StatusCode == t.ExpectStatus
		want = fmt.Sprint(t.ExpectStatus)
	}
	if !okStatus {
		return Outcome{Failure: FailHTTP, CertDaysLeft: days,
			Detail: fmt.Sprintf("status %d, want %s", resp.StatusCode, want)}
	}
	if t.BodyContains != "" {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyScan))
		if err != nil {
			out := fail(ctx, fmt.Errorf("read body: %w", err))
			out.CertDaysLeft = days
			return out
		}
		if !bytes.Contains(body, []byte(t.BodyContains)) {
			return Outcome{Failure: FailHTTP, CertDaysLeft: days,
				Detail: fmt.Sprintf("status %d, body does not contain %q", resp.StatusCode, t.BodyContains)}
		}
	} else {
		// Drain a little so the server sees a complete exchange.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	}
	return Outcome{Detail: fmt.Sprintf("status %d", resp.StatusCode), CertDaysLeft: days}
}
