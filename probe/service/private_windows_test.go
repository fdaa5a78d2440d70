//go:build windows

package service

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/windows"
)

// TestCheckPrivateWindows opens a config to Everyone, as a folder under
// %ProgramData% is to ordinary users by default, and locks it down again.
func TestCheckPrivateWindows(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pantau-probe")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfg, []byte("server: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := LockDown(dir); err != nil {
		t.Fatalf("lock down: %v", err)
	}
	if err := CheckPrivate(dir, cfg); err != nil {
		t.Fatalf("after LockDown: %v", err)
	}
	grantEveryoneWrite(t, cfg)
	err := CheckPrivate(cfg)
	if !errors.Is(err, ErrNotPrivate) || !strings.Contains(err.Error(), "S-1-1-0") {
		t.Fatalf("config writable by Everyone: %v", err)
	}
	if err := LockDown(dir); err != nil {
		t.Fatalf("lock down: %v", err)
	}
	if err := CheckPrivate(cfg); err != nil {
		t.Fatalf("after a second LockDown: %v", err)
	}
}

// grantEveryoneWrite adds an entry letting Everyone write path.
func grantEveryoneWrite(t *testing.T, path string) {
	t.Helper()
	everyone, err := windows.CreateWellKnownSid(windows.WinWorldSid)
	if err != nil {
		t.Fatal(err)
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(everyone)
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := sd.DACL()
	if err != nil {
		t.Fatal(err)
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{{
		AccessPermissions: windows.GENERIC_WRITE,
		AccessMode:        windows.GRANT_ACCESS,
		Trustee: windows.TRUSTEE{
			TrusteeForm: windows.TRUSTEE_IS_SID, TrusteeType: windows.TRUSTEE_IS_WELL_KNOWN_GROUP,
			TrusteeValue: windows.TrusteeValueFromSID(everyone),
		},
	}}, old)
	if err != nil {
		t.Fatal(err)
	}
	if err := windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION, nil, nil, acl, nil); err != nil {
		t.Fatal(err)
	}
}
