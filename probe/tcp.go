package probe

import (
	"context"
	"fmt"
	"net"
)

// checkTCP succeeds when a TCP connection to t.Address (host:port) opens.
func checkTCP(ctx context.Context, t Target) Outcome {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", t.Address)
	if err != nil {
		return fail(ctx, fmt.Errorf("tcp connect %s: %w", t.Address, err))
	}
	remote := conn.RemoteAddr().String()
	_ = conn.Close()
	return Outcome{Detail: "connected to " + remote}
}
