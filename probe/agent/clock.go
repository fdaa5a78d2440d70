package agent

import (
	"runtime"
	"time"
)

// goos and goarch are reported in AgentInfo.
const (
	goos   = runtime.GOOS
	goarch = runtime.GOARCH
)

// Clock is the time source of the uploader: waits between attempts and the
// local time used to compute the offset from the server's clock.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// RealClock is the wall clock.
type RealClock struct{}

// Now returns the current time.
func (RealClock) Now() time.Time { return time.Now() }

// After waits for d on the wall clock.
func (RealClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
