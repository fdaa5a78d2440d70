//go:build !windows

package service

import (
	"context"
	"errors"
	"io"
)

// IsService reports whether the Windows service manager started this
// process: never, outside Windows (systemd runs the agent as a plain
// process that logs to stderr).
func IsService() bool { return false }

// RunService is only for Windows; elsewhere it refuses.
func RunService(string, func(ctx context.Context, logs io.Writer) int) error {
	return errors.New("RunService: only the Windows service manager runs the agent this way")
}
