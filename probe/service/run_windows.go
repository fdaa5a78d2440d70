//go:build windows

package service

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
)

// IsService reports whether the Windows service manager started this
// process.
func IsService() bool {
	ok, err := svc.IsWindowsService()
	return err == nil && ok
}

// RunService runs run under the Windows service manager until it is told to
// stop, then cancels run's context and waits for it. run's log lines go to
// the Application event log (level=WARN and level=ERROR lines as warnings
// and errors), or to %ProgramData%\<name>\agent.log when the event source
// cannot be opened. A non-zero result makes the service manager apply its
// recovery actions.
func RunService(name string, run func(ctx context.Context, logs io.Writer) int) error {
	if !IsService() {
		return errNotWindowsService
	}
	var logs io.Writer
	if el, err := eventlog.Open(name); err == nil {
		defer func() { _ = el.Close() }()
		logs = &eventWriter{log: el}
	} else {
		dir := filepath.Join(os.Getenv("ProgramData"), name)
		_ = os.MkdirAll(dir, 0o750)
		f, ferr := os.OpenFile(filepath.Join(dir, "agent.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
		if ferr != nil {
			return fmt.Errorf("open event log (%v) and log file: %w", err, ferr)
		}
		defer func() { _ = f.Close() }()
		logs = f
	}
	return svc.Run(name, &handler{run: run, logs: logs})
}

// handler adapts run to the service manager's protocol.
type handler struct {
	run  func(ctx context.Context, logs io.Writer) int
	logs io.Writer
}

// Execute reports the service running, runs the agent, and stops it on
// Stop or Shutdown.
func (h *handler) Execute(_ []string, reqs <-chan svc.ChangeRequest, status chan<- svc.Status) (bool, uint32) {
	status <- svc.Status{State: svc.StartPending}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- h.run(ctx, h.logs) }()
	status <- svc.Status{State: svc.Running, Accepts: svc.AcceptStop | svc.AcceptShutdown}
	for {
		select {
		case code := <-done:
			status <- svc.Status{State: svc.StopPending}
			return false, uint32(code)
		case r := <-reqs:
			switch r.Cmd {
			case svc.Interrogate:
				status <- r.CurrentStatus
			case svc.Stop, svc.Shutdown:
				status <- svc.Status{State: svc.StopPending}
				cancel()
				return false, uint32(<-done)
			}
		}
	}
}

// eventWriter sends each log line (the agent writes one record per Write)
// to the event log at the level the line names.
type eventWriter struct{ log *eventlog.Log }

// Write logs p as one event.
func (w *eventWriter) Write(p []byte) (int, error) {
	msg := string(bytes.TrimSpace(p))
	var err error
	switch {
	case bytes.Contains(p, []byte("level=ERROR")):
		err = w.log.Error(3, msg)
	case bytes.Contains(p, []byte("level=WARN")):
		err = w.log.Warning(2, msg)
	default:
		err = w.log.Info(1, msg)
	}
	if err != nil {
		return 0, fmt.Errorf("event log: %w", err)
	}
	return len(p), nil
}
