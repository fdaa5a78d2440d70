//go:build !linux && !windows

package service

import (
	"context"
	"errors"
	"io"
	"os"
)

// errUnsupported is what Install and Uninstall say on other systems.
var errUnsupported = errors.New("service install is supported on Linux (systemd) and Windows; run `pantau-probe run` under this system's own service manager")

// Install is not supported on this system.
func Install(context.Context, Spec, bool, io.Writer) error { return errUnsupported }

// Uninstall is not supported on this system.
func Uninstall(context.Context, string, io.Writer) error { return errUnsupported }

// EnsureAccount does nothing on this system.
func EnsureAccount(context.Context, string) error { return nil }

// Restrict makes path readable by its owner only.
func Restrict(_ context.Context, path, _ string) error { return os.Chmod(path, 0o600) }
