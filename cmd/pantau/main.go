// Command pantau is Pantau's server: it receives probe results, detects
// outages, reports backlog and SLA, and escalates to Slack.
//
// main only handles signals and hands off to the subcommand.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/gin-gonic/gin"
)

const usage = `pantau — outage monitoring and SLA reports for Disdukcapil offices

Usage:
  pantau <command> [flags]

Commands:
  serve     run the HTTP server (migrates the database first unless -no-migrate)
  demo      start Pantau with South Sulawesi demo offices and live simulated probes
  migrate   apply or inspect database migrations: migrate up|down|status
  import    load data: import regions
  admin     manage offices' targets and probes: admin -h lists the actions
  users     manage web users: users add|list
  sim       simulate many offices against a running server (load, soak, demos at scale)

Database: DATABASE_URL (or -database) names the PostgreSQL to use. Without it,
pantau starts a private PostgreSQL from the machine's binaries in its data
folder (-data-dir, default $PANTAU_DATA_DIR, else
/var/lib/pantau as root, ~/.local/share/pantau otherwise) on a free
loopback port, never taking 5432 from a server that runs already.

Run 'pantau <command> -h' for the flags of a command.
`

func main() {
	// Gin's mode is process-wide state: the process decides it, once, here
	// (tests get the same through GIN_MODE=release in the Makefile).
	gin.SetMode(gin.ReleaseMode)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "pantau:", err)
		}
		stop()
		os.Exit(2)
	}
}

// run dispatches a subcommand; tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"serve":   runServe,
		"demo":    runDemo,
		"migrate": runMigrate,
		"import":  runImport,
		"admin":   runAdmin,
		"users":   runUsers,
		"sim":     runSim,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd(ctx, args[1:], stdout, stderr)
}
