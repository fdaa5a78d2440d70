// Command fakeprobe is a new agent version that never reports: it answers
// `version` like pantau-probe (so it passes the updater's checks) and
// otherwise hangs (mode hang) or exits at once (mode exit). The self-update
// test signs it as a release to see the old agent restored.
package main

import (
	"fmt"
	"os"
	"runtime"
	"time"
)

var (
	version = "dev"
	mode    = "hang"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Printf("pantau-probe %s %s/%s %s\n", version, runtime.GOOS, runtime.GOARCH, runtime.Version())
		return
	}
	fmt.Fprintf(os.Stderr, "fakeprobe %s: %s\n", version, mode)
	if mode == "exit" {
		os.Exit(3)
	}
	for {
		time.Sleep(time.Hour)
	}
}
