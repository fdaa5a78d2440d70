package probe

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"
)

// dnsServer is a tiny authoritative DNS server on loopback UDP: it answers
// A queries for the names in records, NOERROR with no answer for other
// types of a known name, and NXDOMAIN for everything else. With silent set
// it reads queries and never answers.
func dnsServer(t *testing.T, records map[string]net.IP, silent bool) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil && underWine() {
		t.Skipf("Wine cannot open a UDP socket as Go does (WSAIoctl SIO_UDP_CONNRESET): %v", err)
	}
	if err != nil {
		t.Fatalf("listen udp: %v", err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if silent {
				continue
			}
			if resp := dnsAnswer(buf[:n], records); resp != nil {
				_, _ = pc.WriteTo(resp, from)
			}
		}
	}()
	return pc.LocalAddr().String()
}

// dnsAnswer builds the response to one query, or nil if it is malformed.
func dnsAnswer(q []byte, records map[string]net.IP) []byte {
	if len(q) < 12 {
		return nil
	}
	// Walk the question name.
	var labels []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		labels = append(labels, string(q[i+1:i+1+l]))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	qEnd := i + 5
	qtype := binary.BigEndian.Uint16(q[i+1:])
	name := strings.ToLower(strings.Join(labels, "."))
	ip, known := records[name]

	resp := make([]byte, 12, 64)
	copy(resp, q[:2])       // id
	flags := uint16(0x8180) // response, recursion desired+available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(resp[2:], flags)
	binary.BigEndian.PutUint16(resp[4:], 1) // one question
	resp = append(resp, q[12:qEnd]...)
	if known && qtype == 1 {
		binary.BigEndian.PutUint16(resp[6:], 1) // one answer
		resp = append(resp, 0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4)
		resp = append(resp, ip.To4()...)
	}
	return resp
}

func TestDNSCheck(t *testing.T) {
	t.Parallel()
	server := dnsServer(t, map[string]net.IP{"siak.pantau.test": net.IPv4(10, 20, 30, 40)}, false)
	silent := dnsServer(t, nil, true)
	c := newTestChecker()
	tests := []struct {
		name       string
		target     Target
		wantFail   Failure
		wantDetail string
	}{
		{"known name resolves", Target{Address: "siak.pantau.test", DNSServer: server}, FailNone, "resolved to 10.20.30.40"},
		{"unknown name is dns failure", Target{Address: "gone.pantau.test", DNSServer: server}, FailDNS, "no such host"},
		{"silent resolver is timeout", Target{Address: "siak.pantau.test", DNSServer: silent, Timeout: Duration(200 * time.Millisecond)}, FailTimeout, "siak.pantau.test"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.target.Name, tc.target.Check = "dns", CheckDNS
			r := c.Run(context.Background(), tc.target)
			assertResult(t, r, tc.wantFail, tc.wantDetail)
		})
	}
}
