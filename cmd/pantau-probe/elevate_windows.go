//go:build windows

package main

import (
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/windows"
)

// isElevated reports whether this process runs with an Administrator's
// full rights (UAC elevated).
func isElevated() bool { return windows.GetCurrentProcessToken().IsElevated() }

// relaunchElevated starts this program again with args through UAC's
// "run as administrator" prompt, in a console of its own.
func relaunchElevated(args []string) error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program: %w", err)
	}
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = windows.EscapeArg(a)
	}
	verb, _ := windows.UTF16PtrFromString("runas")
	file, _ := windows.UTF16PtrFromString(exe)
	params, _ := windows.UTF16PtrFromString(strings.Join(quoted, " "))
	if err := windows.ShellExecute(0, verb, file, params, nil, windows.SW_NORMAL); err != nil {
		return fmt.Errorf("ask for Administrator rights: %w", err)
	}
	return nil
}

// osVersion is the running Windows version, as RtlGetVersion tells it
// (GetVersionEx lies to programs without a manifest).
func osVersion() (major, minor, build uint32) {
	v := windows.RtlGetVersion()
	return v.MajorVersion, v.MinorVersion, v.BuildNumber
}

// startedByDoubleClick reports whether this console was opened for this
// program alone (Explorer), so its window closes when it exits.
func startedByDoubleClick() bool {
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("GetConsoleProcessList")
	if proc.Find() != nil {
		return false
	}
	pids := make([]uint32, 4)
	n, _, _ := proc.Call(uintptr(unsafe.Pointer(&pids[0])), uintptr(len(pids)))
	return n == 1
}
