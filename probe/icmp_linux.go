//go:build linux

package probe

import (
	"fmt"
	"net"
	"os"
	"syscall"
)

// openICMP prefers an unprivileged ping socket (allowed when the process's
// group is inside net.ipv4.ping_group_range) and falls back to a raw socket.
func openICMP() (icmpSocket, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, syscall.IPPROTO_ICMP)
	if err != nil {
		s, rawErr := openRawICMP()
		if rawErr != nil {
			return icmpSocket{}, fmt.Errorf("%w (ping socket: %v)", rawErr, err)
		}
		return s, nil
	}
	f := os.NewFile(uintptr(fd), "icmp-ping")
	c, err := net.FilePacketConn(f)
	_ = f.Close() // FilePacketConn dups the descriptor
	if err != nil {
		return icmpSocket{}, fmt.Errorf("ping socket: %w", err)
	}
	return icmpSocket{conn: c, addr: func(ip net.IP) net.Addr { return &net.UDPAddr{IP: ip} }}, nil
}
