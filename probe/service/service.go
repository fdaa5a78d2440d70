// Package service installs the office agent as a system service, so that it
// starts at boot, restarts after a crash and logs where the system keeps
// logs: a systemd unit on Linux (journal), the Windows service manager on
// Windows (Application event log). It imports the standard library and, on
// Windows only, golang.org/x/sys/windows.
//
// What each system gets:
//
//   - Linux: a unit rendered from a template (RenderUnit) and written to
//     /etc/systemd/system/<name>.service; the agent runs as a dedicated
//     system account without a shell or home, Restart=on-failure with no
//     start limit, StateDirectory=<name> (/var/lib/<name>, owned by the
//     account) and a read-only view of the rest of the system; stdout and
//     stderr go to the journal (journalctl -u <name>).
//   - Windows: a service started automatically at boot as LocalSystem, with
//     recovery actions that restart it after a crash, and an event source
//     of the service's name in the Application log.
//
// LockDown makes the agent's folders writable only by administrators (and
// the agent's own account); CheckPrivate is what the agent checks at start,
// since whoever may change its config may send its token elsewhere.
package service

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// ErrInstalled is wrapped by Install's error when the service exists.
var ErrInstalled = errors.New("is installed already")

// DefaultName is the service's name on every system.
const DefaultName = "pantau-probe"

// Spec describes the service to install.
type Spec struct {
	// Name is the service (and, on Linux, account) name.
	Name string
	// Description is shown by systemctl status and services.msc.
	Description string
	// Executable is the absolute path of the agent binary.
	Executable string
	// Args are the agent's arguments, e.g. run --config FILE.
	Args []string
	// User is the Linux service account; it is created when missing.
	User string
	// ReadWritePaths are folders outside /var/lib/<Name> the agent must
	// write (a spool_dir set elsewhere); Linux only.
	ReadWritePaths []string
	// ProgramDir is the folder of Executable the agent may replace itself
	// in (self-update). Linux: created mode 0755, given to User and listed
	// in ReadWritePaths. Empty: the program is read-only to the service
	// and every update is refused.
	ProgramDir string
}

// WithDefaults fills the empty fields of s.
func (s Spec) WithDefaults() Spec {
	if s.Name == "" {
		s.Name = DefaultName
	}
	if s.Description == "" {
		s.Description = "Pantau office probe agent (link to the central civil registry)"
	}
	if s.User == "" {
		s.User = s.Name
	}
	return s
}

// Validate names the first wrong field of s.
func (s Spec) Validate() error {
	switch {
	case s.Name == "" || strings.ContainsAny(s.Name, " /\\\t\n\"'"):
		return fmt.Errorf("service name %q: must be one word without slashes or quotes", s.Name)
	case s.Executable == "" || !isAbs(s.Executable):
		return fmt.Errorf("executable %q: must be an absolute path", s.Executable)
	case strings.ContainsAny(s.User, " :/\\\t\n"):
		return fmt.Errorf("user %q: not an account name", s.User)
	case strings.ContainsAny(s.Description, "\n\r"):
		return errors.New("description: must be one line")
	}
	for _, p := range s.ReadWritePaths {
		if !isAbs(p) {
			return fmt.Errorf("read-write path %q: must be absolute", p)
		}
	}
	// Only the program's own folder: giving the account /usr/local/bin
	// would let it change every program root runs from there.
	if s.ProgramDir != "" && filepath.Clean(s.ProgramDir) != filepath.Dir(filepath.Clean(s.Executable)) {
		return fmt.Errorf("program folder %q: must be the folder of %s", s.ProgramDir, s.Executable)
	}
	return nil
}

// isAbs accepts both Unix and Windows absolute paths, so a spec can be
// checked (and a unit rendered) on any system.
func isAbs(p string) bool {
	if filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return true
	}
	return len(p) >= 3 && p[1] == ':' && (p[2] == '\\' || p[2] == '/')
}
