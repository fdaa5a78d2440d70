//go:build windows

package update

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/windows"

	"github.com/pantau-id/pantau/probe/safefs"
	"github.com/pantau-id/pantau/probe/service"
)

// WatchdogCommand is the agent subcommand Apply starts from the old
// program: pantau-probe.old.exe update-watchdog --state FILE --exe PATH --service NAME.
const WatchdogCommand = "update-watchdog"

// Apply renames the running program aside (pantau-probe.old.exe), puts s
// in its place and starts the watchdog from the old copy, detached from
// the service, which restarts the service on the new program (see Watch).
// The caller then returns, so the service stops. args and the writers are
// unused on Windows: the service manager starts the program with its own.
func (u *Updater) Apply(ctx context.Context, s *Staged, _ []string, _, _ io.Writer) error {
	exe, old := u.cfg.Executable, OldPath(u.cfg.Executable)
	if u.cfg.Service == "" {
		_ = safefs.Remove(context.WithoutCancel(ctx), s.Path)
		return u.fail(context.WithoutCancel(ctx), s.Version, "refused: not running as a Windows service, nothing would restart it")
	}
	if err := safefs.Remove(ctx, old); err != nil {
		return fmt.Errorf("remove the program kept from before: %w", err)
	}
	// Windows lets a running program be renamed, not replaced.
	if err := safefs.Rename(ctx, exe, old); err != nil {
		_ = u.fail(context.WithoutCancel(ctx), s.Version, "cannot move the running program aside: "+err.Error())
		return fmt.Errorf("move running program aside: %w", err)
	}
	if err := safefs.Rename(ctx, s.Path, exe); err != nil {
		_ = safefs.Rename(context.WithoutCancel(ctx), old, exe)
		_ = u.fail(context.WithoutCancel(ctx), s.Version, "cannot put the new program in place: "+err.Error())
		return fmt.Errorf("install new program: %w", err)
	}
	now := time.Now().UTC()
	if err := u.update(ctx, func(st *state) {
		st.Trial = &trial{From: u.cfg.Version, To: s.Version, Started: now, Deadline: now.Add(u.cfg.Trial)}
	}); err != nil {
		return u.restoreNow(ctx, s.Version, err)
	}
	w := exec.Command(old, WatchdogCommand, "--state", u.cfg.StateFile, "--exe", exe, "--service", u.cfg.Service)
	w.Dir = filepath.Dir(exe)
	// Outside the service's console and process group, so it outlives
	// the service's stop.
	w.SysProcAttr = &syscall.SysProcAttr{HideWindow: true,
		CreationFlags: windows.DETACHED_PROCESS | windows.CREATE_NEW_PROCESS_GROUP}
	if err := w.Start(); err != nil {
		return u.restoreNow(ctx, s.Version, fmt.Errorf("start the update watchdog: %w", err))
	}
	_ = w.Process.Release()
	u.log.Info("new program in place; the service restarts on it", "version", s.Version, "previous", u.cfg.Version,
		"kept", old, "trial", u.cfg.Trial.String())
	return nil
}

// restoreNow puts the old program back before the service was restarted.
func (u *Updater) restoreNow(ctx context.Context, version string, cause error) error {
	ctx = context.WithoutCancel(ctx)
	exe := u.cfg.Executable
	if err := safefs.Rename(ctx, exe, stagedPath(exe)); err == nil {
		_ = safefs.Rename(ctx, OldPath(exe), exe)
		_ = safefs.Remove(ctx, stagedPath(exe))
	}
	_ = u.fail(ctx, version, "not started: "+cause.Error())
	return cause
}

// Watch is the update watchdog, run from the old program outside the
// service: it waits for the service to stop, starts it on the new
// program, and waits for the new version to confirm its trial. If it does
// not by the deadline, it stops the service (ending its process if it
// hangs), restores the old program, records the failure and starts the
// service again; the old program reports the failure to the server.
func Watch(ctx context.Context, stateFile, exe, name string, log io.Writer) error {
	logf := func(format string, a ...any) {
		_, _ = fmt.Fprintf(log, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", a...)
	}
	st, err := loadState(stateFile)
	if err != nil {
		return err
	}
	if st.Trial == nil {
		return fmt.Errorf("update watchdog: no trial in %s", stateFile)
	}
	t := *st.Trial
	stopped, cancel := context.WithTimeout(ctx, 2*time.Minute)
	err = service.WaitStopped(stopped, name)
	cancel()
	if err != nil {
		logf("service %s did not stop for the update: %v; stopping it", name, err)
		if err := service.Stop(ctx, name); err != nil {
			logf("%v", err)
		}
	}
	if err := service.Start(name); err != nil {
		logf("%v", err)
	} else {
		logf("service %s started on version %s (trial until %s)", name, t.To, t.Deadline.Format(time.RFC3339))
	}
	for time.Now().Before(t.Deadline) {
		if confirmed(stateFile, t.To) {
			logf("version %s confirmed", t.To)
			st, err := loadState(stateFile)
			if err == nil {
				st.Trial = nil
				err = saveState(ctx, stateFile, st)
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
	reason := fmt.Sprintf("did not report within %s", t.Deadline.Sub(t.Started).Round(time.Second))
	logf("version %s %s; restoring %s", t.To, reason, t.From)
	stop, cancel := context.WithTimeout(ctx, time.Minute)
	err = service.Stop(stop, name)
	cancel()
	if err != nil {
		logf("%v", err)
	}
	if err := safefs.Rename(ctx, OldPath(exe), exe); err != nil {
		logf("restore old program: %v", err)
		return fmt.Errorf("restore old program: %w", err)
	}
	if st, err = loadState(stateFile); err != nil {
		st = state{}
	}
	failState(&st, t.To, "rolled back: "+reason)
	if err := saveState(ctx, stateFile, st); err != nil {
		logf("%v", err)
	}
	if err := service.Start(name); err != nil {
		logf("%v", err)
		return err
	}
	logf("service %s started on version %s again", name, t.From)
	return nil
}

// WatchLog is the watchdog's log file beside the state file.
func WatchLog(stateFile string) (*os.File, error) {
	return os.OpenFile(filepath.Join(filepath.Dir(stateFile), "update-watchdog.log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
}
