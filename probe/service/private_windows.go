//go:build windows

package service

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"runtime"
	"unsafe"

	"golang.org/x/sys/windows"
)

// writeRights are the rights that let a holder change a file or folder, its
// content, its entries or who may do so.
const writeRights = windows.FILE_WRITE_DATA | windows.FILE_APPEND_DATA | windows.FILE_WRITE_EA |
	fileDeleteChild | windows.FILE_WRITE_ATTRIBUTES | windows.DELETE | windows.WRITE_DAC |
	windows.WRITE_OWNER | windows.GENERIC_WRITE | windows.GENERIC_ALL

// fileDeleteChild is FILE_DELETE_CHILD: delete entries of a folder.
const fileDeleteChild = 0x40

// trustedInstaller is the SID of the TrustedInstaller service, which owns
// system files.
const trustedInstaller = "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"

// trusted reports whether sid may write the agent's files: SYSTEM, the
// Administrators group, TrustedInstaller, or the account this process runs
// as (SYSTEM for the service; the Administrator who runs it by hand).
func trusted(sid *windows.SID) bool {
	if sid.IsWellKnown(windows.WinLocalSystemSid) || sid.IsWellKnown(windows.WinBuiltinAdministratorsSid) ||
		sid.String() == trustedInstaller {
		return true
	}
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	return err == nil && windows.EqualSid(sid, u.User.Sid)
}

// checkPrivate requires path's owner to be trusted and its DACL to grant
// write rights to trusted accounts only (deny entries and entries that
// only pass to children are skipped).
func checkPrivate(path string) error {
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.OWNER_SECURITY_INFORMATION|windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read permissions: %w", err)
	}
	if owner, _, err := sd.Owner(); err == nil && owner != nil && !trusted(owner) {
		return fmt.Errorf("%w: owned by %s, who may change its permissions", ErrNotPrivate, accountOf(owner))
	}
	dacl, _, err := sd.DACL()
	if err != nil {
		return fmt.Errorf("read permissions: %w", err)
	}
	if dacl == nil {
		return fmt.Errorf("%w: it has no access list, so everyone has full control", ErrNotPrivate)
	}
	for i := range uint32(dacl.AceCount) {
		var ace *windows.ACCESS_ALLOWED_ACE
		if err := windows.GetAce(dacl, i, &ace); err != nil {
			return fmt.Errorf("read permissions: entry %d: %w", i, err)
		}
		if ace.Header.AceType != windows.ACCESS_ALLOWED_ACE_TYPE || ace.Header.AceFlags&windows.INHERIT_ONLY_ACE != 0 {
			continue
		}
		sid := (*windows.SID)(unsafe.Pointer(&ace.SidStart))
		if ace.Mask&writeRights != 0 && !trusted(sid) {
			return fmt.Errorf("%w: %s may change it", ErrNotPrivate, accountOf(sid))
		}
	}
	return nil
}

// accountOf names sid as DOMAIN\name, with the SID when it has no name.
func accountOf(sid *windows.SID) string {
	name, domain, _, err := sid.LookupAccount("")
	if err != nil {
		return sid.String()
	}
	return fmt.Sprintf(`%s\%s (%s)`, domain, name, sid)
}

// protect gives path a protected DACL (nothing inherited from above)
// granting full control to SYSTEM and Administrators only, passed on to
// everything created inside, and makes Administrators its owner.
func protect(path string) error {
	system, err := windows.CreateWellKnownSid(windows.WinLocalSystemSid)
	if err != nil {
		return fmt.Errorf("SYSTEM SID: %w", err)
	}
	admins, err := windows.CreateWellKnownSid(windows.WinBuiltinAdministratorsSid)
	if err != nil {
		return fmt.Errorf("SID of the Administrators group: %w", err)
	}
	var pin runtime.Pinner
	defer pin.Unpin()
	pin.Pin(system)
	pin.Pin(admins)
	grant := func(sid *windows.SID) windows.EXPLICIT_ACCESS {
		return windows.EXPLICIT_ACCESS{
			AccessPermissions: windows.GENERIC_ALL,
			AccessMode:        windows.SET_ACCESS,
			Inheritance:       windows.SUB_CONTAINERS_AND_OBJECTS_INHERIT,
			Trustee: windows.TRUSTEE{
				TrusteeForm:  windows.TRUSTEE_IS_SID,
				TrusteeType:  windows.TRUSTEE_IS_GROUP,
				TrusteeValue: windows.TrusteeValueFromSID(sid),
			},
		}
	}
	acl, err := windows.ACLFromEntries([]windows.EXPLICIT_ACCESS{grant(system), grant(admins)}, nil)
	if err != nil {
		return fmt.Errorf("build access list: %w", err)
	}
	err = windows.SetNamedSecurityInfo(path, windows.SE_FILE_OBJECT,
		windows.DACL_SECURITY_INFORMATION|windows.PROTECTED_DACL_SECURITY_INFORMATION|windows.OWNER_SECURITY_INFORMATION,
		admins, nil, acl, nil)
	if err != nil {
		return fmt.Errorf("restrict %s to SYSTEM and Administrators: %w", path, err)
	}
	return nil
}

// LockDown restricts dir and everything in it to SYSTEM and Administrators
// (owner Administrators, nothing inherited from %ProgramData%, where every
// user may create files). Each entry gets the same explicit list, so an
// entry a user made or opened up before is closed too. It needs an
// Administrator.
func LockDown(dir string) error {
	return filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("lock down %s: %w", p, err)
		}
		if err := protect(p); err != nil {
			if errors.Is(err, windows.ERROR_ACCESS_DENIED) {
				return fmt.Errorf("%w (run from an Administrator prompt)", err)
			}
			return err
		}
		return nil
	})
}

// FixPermissionsHint says how to make path private on this system.
func FixPermissionsHint(string) string {
	return `from an Administrator prompt: pantau-probe.exe fix-permissions`
}
