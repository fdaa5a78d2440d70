//go:build !windows

package update

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/pantau-id/pantau/probe/safefs"
)

// trialPoll is how often the supervisor reads whether the trial passed.
const trialPoll = 250 * time.Millisecond

// childStop is how long a stopped child may take to deliver and exit.
const childStop = 30 * time.Second

// Apply puts s in place of the running program, keeping the old one, and
// runs the new one on trial as a child (see the package doc). The caller
// has stopped its agent and closed the spool. When the trial passes, or
// fails and the old program is restored, the process re-executes the
// program now in place with args and does not return; it returns nil when
// ctx ended during the trial (the new version then confirms itself at its
// next start), else an error: the caller exits with a failure code and the
// service manager starts whatever is in place.
func (u *Updater) Apply(ctx context.Context, s *Staged, args []string, stdout, stderr io.Writer) error {
	exe, old := u.cfg.Executable, OldPath(u.cfg.Executable)
	if err := copyProgram(ctx, exe, old); err != nil {
		_ = safefs.Remove(context.WithoutCancel(ctx), s.Path)
		_ = u.fail(context.WithoutCancel(ctx), s.Version, "cannot keep the old program: "+err.Error())
		return err
	}
	now := time.Now().UTC()
	if err := u.update(ctx, func(st *state) {
		st.Trial = &trial{From: u.cfg.Version, To: s.Version, Started: now, Deadline: now.Add(u.cfg.Trial)}
	}); err != nil {
		return err
	}
	if err := safefs.Rename(ctx, s.Path, exe); err != nil {
		_ = u.fail(context.WithoutCancel(ctx), s.Version, "cannot put the new program in place: "+err.Error())
		return fmt.Errorf("install new program: %w", err)
	}
	u.log.Info("new program in place; running it on trial", "version", s.Version, "previous", u.cfg.Version,
		"kept", old, "trial", u.cfg.Trial.String())

	child := exec.Command(exe, args...)
	child.Env = append(withoutEnv(os.Environ(), TrialEnv), TrialEnv+"="+s.Version)
	child.Stdout, child.Stderr = stdout, stderr
	if err := child.Start(); err != nil {
		return u.rollback(ctx, s.Version, "cannot start: "+err.Error(), args)
	}
	exited := make(chan error, 1)
	go func() { exited <- child.Wait() }()
	tick := time.NewTicker(trialPoll)
	defer tick.Stop()
	deadline := time.NewTimer(u.cfg.Trial)
	defer deadline.Stop()
	for {
		select {
		case <-ctx.Done():
			u.log.Info("stopped during the trial; the new version is checked again at its next start", "version", s.Version)
			stopChild(child, exited)
			return nil
		case err := <-exited:
			return u.rollback(ctx, s.Version, fmt.Sprintf("exited before it reported (%v)", err), args)
		case <-deadline.C:
			stopChild(child, exited)
			return u.rollback(ctx, s.Version, fmt.Sprintf("did not report within %s", u.cfg.Trial), args)
		case <-tick.C:
			if !confirmed(u.cfg.StateFile, s.Version) {
				continue
			}
			// Passed: the new program takes this process's place, so the
			// service manager's main process is the new version.
			u.log.Info("new version reported; it takes over", "version", s.Version)
			stopChild(child, exited)
			if err := u.update(ctx, func(st *state) { st.Trial = nil }); err != nil {
				u.log.Warn("cannot clear the finished trial", "err", err)
			}
			return reexec(exe, args)
		}
	}
}

// rollback restores the old program after a failed trial, records the
// failure for the server and re-executes the old program, which sends it.
func (u *Updater) rollback(ctx context.Context, version, reason string, args []string) error {
	ctx = context.WithoutCancel(ctx)
	exe := u.cfg.Executable
	u.log.Error("new version failed its trial; restoring the old one", "version", version, "reason", reason,
		"restored", u.cfg.Version)
	if err := safefs.Rename(ctx, OldPath(exe), exe); err != nil {
		return fmt.Errorf("restore old program: %w", err)
	}
	if err := u.fail(ctx, version, "rolled back: "+reason); err != nil {
		u.log.Error("cannot record the rollback", "err", err)
	}
	return reexec(exe, args)
}

// stopChild asks the child to stop (SIGTERM: it delivers what it holds),
// and kills it if it has not after childStop.
func stopChild(child *exec.Cmd, exited <-chan error) {
	_ = child.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(childStop):
		_ = child.Process.Kill()
		<-exited
	}
}

// reexec replaces this process with exe args, so the PID (and systemd's
// view of the service) stays; it returns only on failure.
func reexec(exe string, args []string) error {
	env := withoutEnv(os.Environ(), TrialEnv)
	err := syscall.Exec(exe, append([]string{exe}, args...), env)
	return fmt.Errorf("execute %s: %w", exe, err)
}

// copyProgram copies the program at src to dst (atomically, 0755).
func copyProgram(ctx context.Context, src, dst string) error {
	b, err := os.ReadFile(filepath.Clean(src))
	if err != nil {
		return fmt.Errorf("read running program: %w", err)
	}
	return safefs.WriteFile(ctx, dst, b, safefs.Options{Label: "old program", Perm: 0o755})
}

func withoutEnv(env []string, key string) []string {
	return slices.DeleteFunc(slices.Clone(env), func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
}

// WatchdogCommand is the agent subcommand of the Windows update watchdog.
const WatchdogCommand = "update-watchdog"

// Watch is the Windows update watchdog; on Unix the old program itself
// supervises the trial (Apply), so there is none.
func Watch(context.Context, string, string, string, io.Writer) error {
	return fmt.Errorf("%s is for Windows; on this system the old program supervises the trial itself", WatchdogCommand)
}

// WatchLog is the Windows watchdog's log; on Unix it is stderr.
func WatchLog(string) (*os.File, error) { return os.Stderr, nil }
