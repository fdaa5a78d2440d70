package probe

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"time"
)

// icmpNotPermitted explains how to allow ICMP when the OS refuses the socket.
const icmpNotPermitted = "ICMP is not permitted for this user: run the agent as root " +
	"(or with CAP_NET_RAW) / Administrator, or on Linux allow unprivileged ping " +
	"sockets with: sysctl -w net.ipv4.ping_group_range=\"0 2147483647\""

// errICMPNotPermitted is returned by openICMP when neither an unprivileged
// ping socket nor a raw socket may be opened.
var errICMPNotPermitted = errors.New(icmpNotPermitted)

// icmpSocket is an open ICMP endpoint. raw sockets see every echo reply on
// the host, so replies are matched on the identifier too; ping sockets get
// only their own and the kernel rewrites the identifier.
type icmpSocket struct {
	conn net.PacketConn
	raw  bool
	// addr turns the destination into the address type conn expects.
	addr func(net.IP) net.Addr
}

// checkICMP sends one ICMP echo request to t.Address (a host name or IPv4
// address) and succeeds when the matching echo reply arrives in time.
func checkICMP(ctx context.Context, t Target) Outcome {
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, t.Address)
	if err != nil {
		return fail(ctx, fmt.Errorf("resolve %s: %w", t.Address, err))
	}
	var dst net.IP
	for _, ip := range ips {
		if v4 := ip.IP.To4(); v4 != nil {
			dst = v4
			break
		}
	}
	if dst == nil {
		return Outcome{Failure: FailDNS, Detail: fmt.Sprintf("resolve %s: no IPv4 address (ICMP check is IPv4 only)", t.Address)}
	}
	sock, err := openICMP()
	if err != nil {
		return Outcome{Failure: FailConnect, Detail: err.Error()}
	}
	defer func() { _ = sock.conn.Close() }()
	if err := pingOnce(ctx, sock, dst); err != nil {
		return fail(ctx, fmt.Errorf("icmp echo %s: %w", dst, err))
	}
	return Outcome{Detail: "echo reply from " + dst.String()}
}

// pingOnce writes one echo request and reads until its reply or ctx ends.
func pingOnce(ctx context.Context, s icmpSocket, dst net.IP) error {
	id := uint16(rand.N(1 << 16))
	seq := uint16(rand.N(1 << 16))
	msg := echoRequest(id, seq, []byte("pantau-probe"))
	if dl, ok := ctx.Deadline(); ok {
		if err := s.conn.SetDeadline(dl); err != nil {
			return fmt.Errorf("set deadline: %w", err)
		}
	}
	// Unblock the read when ctx is cancelled before its deadline.
	stop := context.AfterFunc(ctx, func() { _ = s.conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := s.conn.WriteTo(msg, s.addr(dst)); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("no reply: %w", ctx.Err())
			}
			return fmt.Errorf("read: %w", err)
		}
		if !sameIP(from, dst) || n < 8 {
			continue
		}
		typ, rid, rseq := buf[0], binary.BigEndian.Uint16(buf[4:]), binary.BigEndian.Uint16(buf[6:])
		switch {
		case typ == 0 && rseq == seq && (!s.raw || rid == id):
			return nil
		case typ == 3 && !s.raw:
			return fmt.Errorf("destination unreachable (code %d)", buf[1])
		}
	}
}

// sameIP reports whether addr (an IPAddr or UDPAddr) is ip.
func sameIP(addr net.Addr, ip net.IP) bool {
	switch a := addr.(type) {
	case *net.IPAddr:
		return a.IP.Equal(ip)
	case *net.UDPAddr:
		return a.IP.Equal(ip)
	}
	return false
}

// echoRequest builds an ICMPv4 echo request with its checksum.
func echoRequest(id, seq uint16, payload []byte) []byte {
	b := make([]byte, 8+len(payload))
	b[0] = 8 // echo request
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	copy(b[8:], payload)
	binary.BigEndian.PutUint16(b[2:], checksum(b))
	return b
}

// checksum is the Internet checksum (RFC 1071).
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// openRawICMP opens a raw ICMP socket (needs root, CAP_NET_RAW or
// Administrator).
func openRawICMP() (icmpSocket, error) {
	c, err := net.ListenPacket("ip4:icmp", "0.0.0.0")
	if err != nil {
		return icmpSocket{}, fmt.Errorf("%w (raw socket: %v)", errICMPNotPermitted, err)
	}
	return icmpSocket{conn: c, raw: true, addr: func(ip net.IP) net.Addr { return &net.IPAddr{IP: ip} }}, nil
}
