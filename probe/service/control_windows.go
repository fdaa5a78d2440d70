//go:build windows

package service

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sys/windows"
	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/mgr"
)

// controlPoll is how often a wait for a service state asks again.
const controlPoll = 300 * time.Millisecond

// open connects to the service manager and opens service name.
func open(name string) (*mgr.Mgr, *mgr.Service, error) {
	m, err := mgr.Connect()
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the service manager: %w", err)
	}
	s, err := m.OpenService(name)
	if err != nil {
		_ = m.Disconnect()
		return nil, nil, fmt.Errorf("open service %s: %w", name, err)
	}
	return m, s, nil
}

// WaitStopped waits until service name is stopped, or ctx is done.
func WaitStopped(ctx context.Context, name string) error {
	m, s, err := open(name)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close(); _ = m.Disconnect() }()
	return waitState(ctx, s, svc.Stopped)
}

func waitState(ctx context.Context, s *mgr.Service, want svc.State) error {
	for {
		st, err := s.Query()
		if err != nil {
			return fmt.Errorf("query service %s: %w", s.Name, err)
		}
		if st.State == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("service %s: still in state %d: %w", s.Name, st.State, ctx.Err())
		case <-time.After(controlPoll):
		}
	}
}

// Start starts service name.
func Start(name string) error {
	m, s, err := open(name)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close(); _ = m.Disconnect() }()
	if err := s.Start(); err != nil {
		return fmt.Errorf("start service %s: %w", name, err)
	}
	return nil
}

// Stop stops service name and waits until it has stopped; a service that
// does not stop before ctx is done has its process ended.
func Stop(ctx context.Context, name string) error {
	m, s, err := open(name)
	if err != nil {
		return err
	}
	defer func() { _ = s.Close(); _ = m.Disconnect() }()
	st, err := s.Control(svc.Stop)
	if err != nil {
		if st, qerr := s.Query(); qerr == nil && st.State == svc.Stopped {
			return nil
		}
		return fmt.Errorf("stop service %s: %w", name, err)
	}
	if err := waitState(ctx, s, svc.Stopped); err == nil {
		return nil
	}
	// It hangs: end its process, then wait for the manager to notice.
	if st.ProcessId != 0 {
		if h, err := windows.OpenProcess(windows.PROCESS_TERMINATE, false, st.ProcessId); err == nil {
			_ = windows.TerminateProcess(h, 1)
			_ = windows.CloseHandle(h)
		}
	}
	wait, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	return waitState(wait, s, svc.Stopped)
}
