//go:build !linux

package probe

// openICMP opens a raw ICMP socket; outside Linux there is no unprivileged
// ping socket that the standard library can open.
func openICMP() (icmpSocket, error) { return openRawICMP() }
