package probe

import (
	"context"
	"fmt"
	"net"
)

// checkTCP succeeds when a TCP connection to t.Address (host:port) opens.
func checkTCP(ctx context.Context, t Target) Outcome {
	conn, err := checkDialer().DialContext(ctx, "tcp", t.Address)
	if err != nil {
		return fail(ctx, fmt.Errorf("tcp connect %s: %w", t.Address, err))
	}
	remote := conn.RemoteAddr().String()
	_ = conn.Close()
	return Outcome{Detail: "connected to " + remote}
}

// checkDialer is the dialer of every connection a check opens. Keep-alive
// probes are off: a check's connection lives for milliseconds, and enabling
// them costs four setsockopt calls per check.
func checkDialer() *net.Dialer { return &net.Dialer{KeepAlive: -1} }
