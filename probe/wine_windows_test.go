//go:build windows

package probe

import "syscall"

// underWine reports whether this Windows is Wine (make test-wine), whose
// ntdll exports wine_get_version.
func underWine() bool {
	return syscall.NewLazyDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
