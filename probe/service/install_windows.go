//go:build windows

package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/sys/windows/svc"
	"golang.org/x/sys/windows/svc/eventlog"
	"golang.org/x/sys/windows/svc/mgr"
)

// Install registers s with the Windows service manager: automatic start at
// boot (delayed, after the network), LocalSystem, recovery actions that
// restart it after a crash or an error exit, and an event source in the
// Application log. It starts the service unless noStart. It needs an
// Administrator prompt.
func Install(ctx context.Context, s Spec, noStart bool, out io.Writer) error {
	s = s.WithDefaults()
	if err := s.Validate(); err != nil {
		return fmt.Errorf("service spec: %w", err)
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the service manager (run as Administrator): %w", err)
	}
	defer func() { _ = m.Disconnect() }()
	if old, err := m.OpenService(s.Name); err == nil {
		_ = old.Close()
		return fmt.Errorf("service %s %w; run `pantau-probe uninstall` first", s.Name, ErrInstalled)
	}
	sv, err := m.CreateService(s.Name, s.Executable, mgr.Config{
		DisplayName:      "Pantau probe",
		Description:      s.Description,
		StartType:        mgr.StartAutomatic,
		DelayedAutoStart: true,
	}, s.Args...)
	if err != nil {
		return fmt.Errorf("create service %s: %w", s.Name, err)
	}
	defer func() { _ = sv.Close() }()
	restart := []mgr.RecoveryAction{
		{Type: mgr.ServiceRestart, Delay: 5 * time.Second},
		{Type: mgr.ServiceRestart, Delay: 30 * time.Second},
		{Type: mgr.ServiceRestart, Delay: time.Minute},
	}
	if err := sv.SetRecoveryActions(restart, uint32((24 * time.Hour).Seconds())); err != nil {
		return fmt.Errorf("set restart on crash: %w", err)
	}
	if err := sv.SetRecoveryActionsOnNonCrashFailures(true); err != nil {
		return fmt.Errorf("set restart on error exit: %w", err)
	}
	if err := eventlog.InstallAsEventCreate(s.Name, eventlog.Error|eventlog.Warning|eventlog.Info); err != nil &&
		!strings.Contains(err.Error(), "exists") {
		return fmt.Errorf("register event source: %w", err)
	}
	_, _ = fmt.Fprintf(out, "service %s installed (automatic start, restarts after a crash); logs: Event Viewer > Windows Logs > Application, source %s\n", s.Name, s.Name)
	if noStart {
		return nil
	}
	if err := sv.Start(); err != nil {
		return fmt.Errorf("start service %s: %w", s.Name, err)
	}
	_, _ = fmt.Fprintf(out, "service %s started\n", s.Name)
	return ctx.Err()
}

// Uninstall stops the service, removes it and its event source. The spool
// and the credential in %ProgramData% stay.
func Uninstall(ctx context.Context, name string, out io.Writer) error {
	if name == "" {
		name = DefaultName
	}
	m, err := mgr.Connect()
	if err != nil {
		return fmt.Errorf("connect to the service manager (run as Administrator): %w", err)
	}
	defer func() { _ = m.Disconnect() }()
	sv, err := m.OpenService(name)
	if err != nil {
		return fmt.Errorf("service %s is not installed: %w", name, err)
	}
	defer func() { _ = sv.Close() }()
	if st, err := sv.Control(svc.Stop); err == nil {
		for st.State != svc.Stopped && ctx.Err() == nil {
			time.Sleep(300 * time.Millisecond)
			if st, err = sv.Query(); err != nil {
				break
			}
		}
	}
	if err := sv.Delete(); err != nil {
		return fmt.Errorf("remove service %s: %w", name, err)
	}
	_ = eventlog.Remove(name)
	_, _ = fmt.Fprintf(out, "service %s stopped and removed; kept %%ProgramData%%\\%s (spool, credential)\n", name, name)
	return nil
}

// EnsureAccount does nothing on Windows: the service runs as LocalSystem.
func EnsureAccount(context.Context, string) error { return nil }

// Restrict removes inherited permissions from path and grants full control
// to SYSTEM and Administrators only (by SID, so it works in every
// language), so only the service and administrators can read the secret.
func Restrict(_ context.Context, path, _ string) error { return protect(path) }

// errNotWindowsService is returned by RunService outside the SCM.
var errNotWindowsService = errors.New("not started by the Windows service manager")
