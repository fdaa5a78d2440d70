// Command pantau-probe is the office probe agent: it checks the central
// registry and an internet reference on a schedule, spools every result on
// disk and delivers them to the Pantau server. See `pantau-probe -h`.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/pantau-id/pantau/probe/service"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if service.IsService() {
		// Started by the Windows service manager: it stops us, not signals,
		// and our log lines go to the event log.
		err := service.RunService(service.DefaultName, func(ctx context.Context, logs io.Writer) int {
			return run(ctx, os.Args[1:], io.Discard, logs, os.Getenv)
		})
		if err != nil {
			os.Exit(exitFailed)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
