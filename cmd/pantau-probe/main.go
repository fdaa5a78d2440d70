// Command pantau-probe is the office probe agent: it checks the central
// registry and an internet reference on a schedule, spools every result on
// disk and delivers them to the Pantau server. See `pantau-probe -h`.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
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
	args := os.Args[1:]
	// Double-clicked in Explorer (a console of its own, no arguments), or
	// setup started again elevated by UAC: the window closes with the
	// program, so it waits for Enter at the end.
	clicked := runtime.GOOS == "windows" && (len(args) == 0 || args[0] == "setup") && startedByDoubleClick()
	if clicked && len(args) == 0 {
		args = []string{"setup"}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, args, os.Stdout, os.Stderr, os.Getenv)
	stop()
	if clicked {
		// The console window closes with the program: let them read it.
		_, _ = fmt.Fprint(os.Stdout, "\nTekan Enter untuk menutup jendela ini.")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	}
	os.Exit(code)
}
