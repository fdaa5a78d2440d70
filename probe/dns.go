package probe

import (
	"context"
	"fmt"
	"net"
	"strings"
)

// checkDNS succeeds when t.Address (a host name) resolves to at least one
// address, asking t.DNSServer when set and the system's resolvers otherwise.
func checkDNS(ctx context.Context, t Target) Outcome {
	r := &net.Resolver{}
	if t.DNSServer != "" {
		server := t.DNSServer
		r.PreferGo = true
		r.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}
	}
	addrs, err := r.LookupHost(ctx, t.Address)
	if err != nil {
		return fail(ctx, fmt.Errorf("resolve %s: %w", t.Address, err))
	}
	if len(addrs) == 0 {
		return Outcome{Failure: FailDNS, Detail: fmt.Sprintf("resolve %s: no addresses", t.Address)}
	}
	return Outcome{Detail: "resolved to " + strings.Join(addrs, ", ")}
}
