//go:build !windows

package service

import (
	"context"
	"errors"
)

// errNotWindows: the agent drives only the Windows service manager;
// systemd restarts it on its own (see probe/update).
var errNotWindows = errors.New("only the Windows service manager is controlled by the agent")

// WaitStopped waits until a Windows service is stopped; Windows only.
func WaitStopped(context.Context, string) error { return errNotWindows }

// Start starts a Windows service; Windows only.
func Start(string) error { return errNotWindows }

// Stop stops a Windows service; Windows only.
func Stop(context.Context, string) error { return errNotWindows }
