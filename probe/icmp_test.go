package probe

import (
	"context"
	"encoding/binary"
	"strings"
	"testing"
)

func TestICMPCheck(t *testing.T) {
	t.Parallel()
	r := newTestChecker().Run(context.Background(), Target{Name: "lo", Check: CheckICMP, Address: "127.0.0.1"})
	if strings.Contains(r.Detail, "ICMP is not permitted") {
		if !strings.Contains(r.Detail, "ping_group_range") || r.Failure != FailConnect {
			t.Fatalf("not-permitted result lacks the fix or class: %+v", r)
		}
		t.Skipf("ICMP not permitted here: %s", r.Detail)
	}
	assertResult(t, r, FailNone, "echo reply from 127.0.0.1")
}

func TestEchoRequestChecksum(t *testing.T) {
	t.Parallel()
	msg := echoRequest(0x1234, 7, []byte("odd"))
	if got := checksum(msg); got != 0 {
		t.Fatalf("checksum over a finished message = %#x, want 0", got)
	}
	if msg[0] != 8 || binary.BigEndian.Uint16(msg[4:]) != 0x1234 || binary.BigEndian.Uint16(msg[6:]) != 7 {
		t.Fatalf("header = % x", msg[:8])
	}
}
