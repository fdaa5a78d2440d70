package api

import (
	"fmt"
	"strings"
	"time"
)

// Throttle says how failed logins slow down, counted per account (the
// e-mail) and per client address: from the Free-th failure of an account
// (ClientFree-th of an address) on, it waits Base, doubling with each
// further failure, up to Max.
type Throttle struct {
	Free       int
	ClientFree int
	Base       time.Duration
	Max        time.Duration
}

// DefaultThrottle lets an account make five mistakes and an address (an
// office's NAT is many people) twenty, then waits 30 s, 1 min, 2 min … up to
// 15 minutes.
var DefaultThrottle = Throttle{Free: 5, ClientFree: 20, Base: 30 * time.Second, Max: 15 * time.Minute}

// Wait is how long an account must wait after its n-th failure.
func (t Throttle) Wait(n int) time.Duration { return t.wait(n, t.Free) }

// ClientWait is how long an address must wait after its n-th failure;
// ClientFree 0 means five times Free.
func (t Throttle) ClientWait(n int) time.Duration {
	free := t.ClientFree
	if free == 0 {
		free = 5 * t.Free
	}
	return t.wait(n, free)
}

func (t Throttle) wait(n, free int) time.Duration {
	if n < free {
		return 0
	}
	d := t.Base
	for i := free; i < n && d < t.Max; i++ {
		d *= 2
	}
	return min(d, t.Max)
}

// ThrottledError says a login was refused unchecked: the account or address
// failed too often, or (Busy) every password-hashing slot stayed taken. The
// caller waits RetryAfter.
type ThrottledError struct {
	RetryAfter time.Duration
	Busy       bool
}

// Error implements error.
func (e *ThrottledError) Error() string {
	if e.Busy {
		return fmt.Sprintf("too many logins at once: try again in %s", e.RetryAfter.Round(time.Second))
	}
	return fmt.Sprintf("too many failed logins: wait %s", e.RetryAfter.Round(time.Second))
}

// Session is a logged-in user's session as a request sees it.
type Session struct {
	User      User
	CSRFToken string
	ExpiresAt time.Time
}

// Roles a user may have; see migrations/00005_web.sql for what each may do.
const (
	RoleOfficeStaff        = "office_staff"
	RoleCityOfficial       = "city_official"
	RoleProvincialOfficial = "provincial_official"
	RoleNationalOperator   = "national_operator"
	RoleAdmin              = "admin"
)

// Roles lists every role, from the narrowest scope to the widest.
var Roles = []string{RoleOfficeStaff, RoleCityOfficial, RoleProvincialOfficial, RoleNationalOperator, RoleAdmin}

// User is a person who logs in to the web pages.
type User struct {
	ID           int64      `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	Role         string     `json:"role"`
	OfficeCode   string     `json:"office_code,omitempty"`
	ProvinceCode string     `json:"province_code,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	DisabledAt   *time.Time `json:"disabled_at,omitempty"`
}

// NewUser is what CreateUser needs; Password is hashed and never stored.
type NewUser struct {
	Email, Name, Role        string
	OfficeCode, ProvinceCode string
	Password                 string
}

// MinPasswordLength is the shortest password CreateUser accepts.
const MinPasswordLength = 10

// Validate names the first bad field of u.
func (u NewUser) Validate() error {
	if err := CheckLine("email", u.Email, MaxName); err != nil {
		return err
	}
	if !strings.Contains(u.Email, "@") {
		return FieldErrorf("email", "%q is not an email address", u.Email)
	}
	if err := CheckLine("name", u.Name, MaxName); err != nil {
		return err
	}
	if err := ValidateScope(u.Role, u.OfficeCode, u.ProvinceCode); err != nil {
		return err
	}
	if len(u.Password) < MinPasswordLength {
		return FieldErrorf("password", "at least %d characters", MinPasswordLength)
	}
	return nil
}

// ValidateScope checks that a role comes with exactly the scope it needs:
// an office for office staff and city officials, a province for provincial
// officials, nothing for the roles that cover everything. Users and API
// tokens follow the same rule.
func ValidateScope(role, office, province string) error {
	switch role {
	case RoleOfficeStaff, RoleCityOfficial:
		if office == "" || province != "" {
			return FieldErrorf("office", "role %s needs an office and no province", role)
		}
	case RoleProvincialOfficial:
		if province == "" || office != "" {
			return FieldErrorf("province", "role %s needs a province and no office", role)
		}
	case RoleNationalOperator, RoleAdmin:
		if office != "" || province != "" {
			return FieldErrorf("role", "role %s covers everything: give no office or province", role)
		}
	default:
		return FieldErrorf("role", "%q is not a role (one of %s)", role, strings.Join(Roles, ", "))
	}
	return nil
}
