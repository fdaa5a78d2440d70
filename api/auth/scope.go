package auth

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
)

// Roles is a set of roles a route admits.
type Roles []string

// Role groups used in the route table.
var (
	// RolesRead may read pages of the offices in their scope.
	RolesRead = Roles{api.RoleOfficeStaff, api.RoleCityOfficial, api.RoleProvincialOfficial, api.RoleNationalOperator, api.RoleAdmin}
	// RolesProvince may open province pages (their own province, or any).
	RolesProvince = Roles{api.RoleProvincialOfficial, api.RoleNationalOperator, api.RoleAdmin}
	// RolesNational may open the national page.
	RolesNational = Roles{api.RoleNationalOperator, api.RoleAdmin}
	// RolesIntake may record intake (for their own office).
	RolesIntake = Roles{api.RoleOfficeStaff}
	// RolesSettings may change an office's settings: its own staff (scope
	// narrows them to their office) and admins.
	RolesSettings = Roles{api.RoleOfficeStaff, api.RoleAdmin}
	// RolesAdmin manage users, offices, targets, probes and maintenance.
	RolesAdmin = Roles{api.RoleAdmin}
)

// Scope is what one user may see.
type Scope struct {
	role, office, province string
}

// ScopeOfUser is u's scope.
func ScopeOfUser(u api.User) Scope {
	return Scope{role: u.Role, office: u.OfficeCode, province: u.ProvinceCode}
}

// ScopeOf is the scope of the request's session (Require ran before); the
// empty scope, which allows nothing, without one.
func ScopeOf(c *gin.Context) Scope {
	sess := SessionOf(c)
	if sess == nil {
		return Scope{}
	}
	return ScopeOfUser(sess.User)
}

// Everything is true for the roles that see every office.
func (sc Scope) Everything() bool {
	return sc.role == api.RoleNationalOperator || sc.role == api.RoleAdmin
}

// AllowsOffice says whether o is inside the scope.
func (sc Scope) AllowsOffice(o api.Office) bool {
	switch {
	case sc.Everything():
		return true
	case sc.role == api.RoleProvincialOfficial:
		return o.ProvinceCode == sc.province
	case sc.role == api.RoleOfficeStaff || sc.role == api.RoleCityOfficial:
		return o.Code == sc.office
	}
	return false
}

// AllowsProvince says whether the whole province code is inside the scope.
func (sc Scope) AllowsProvince(code string) bool {
	return sc.Everything() || (sc.role == api.RoleProvincialOfficial && sc.province == code)
}

// Filter is the narrowest office query that covers the scope; the result
// is still checked with AllowsOffice.
func (sc Scope) Filter() api.OfficeFilter {
	switch sc.role {
	case api.RoleProvincialOfficial:
		return api.OfficeFilter{ProvinceCode: sc.province}
	case api.RoleOfficeStaff, api.RoleCityOfficial:
		return api.OfficeFilter{Code: sc.office}
	}
	return api.OfficeFilter{}
}

// Narrow narrows an office and a province asked for (empty: any) to the
// scope. Asking for another office or province is not-found, like one
// that does not exist.
func (sc Scope) Narrow(office, province string) (string, string, error) {
	switch {
	case sc.Everything():
	case sc.role == api.RoleProvincialOfficial:
		if province != "" && province != sc.province {
			return "", "", api.Errorf(api.ENotFound, "province %s not found", province)
		}
		province = sc.province
	case sc.role == api.RoleOfficeStaff || sc.role == api.RoleCityOfficial:
		if office != "" && office != sc.office {
			return "", "", api.Errorf(api.ENotFound, "office %s not found", office)
		}
		office = sc.office
	default:
		return "", "", api.Errorf(api.EForbidden, "no access to this data")
	}
	return office, province, nil
}

// Province is the province of a provincial official, for the navigation.
func (sc Scope) Province() string { return sc.province }

// Office is the office of office staff and city officials.
func (sc Scope) Office() string { return sc.office }

// OfficeInScope returns the office code names, or not-found when it does
// not exist or is outside the caller's scope: the two look the same, so a
// city official cannot even learn which other codes exist.
func (g *Guard) OfficeInScope(c *gin.Context, code string) (api.Office, error) {
	o, err := g.store.Office(c.Request.Context(), code)
	if err != nil {
		return api.Office{}, err
	}
	if !ScopeOf(c).AllowsOffice(o) {
		return api.Office{}, api.Errorf(api.ENotFound, "office %s not found", code)
	}
	return o, nil
}

// OfficesInScope lists every office the caller may see, narrowed by f
// (zero: no narrowing); a province outside the scope is not found.
func (g *Guard) OfficesInScope(c *gin.Context, f api.OfficeFilter) ([]api.Office, error) {
	sc := ScopeOf(c)
	q := sc.Filter()
	if f.ProvinceCode != "" {
		if q.ProvinceCode != "" && q.ProvinceCode != f.ProvinceCode {
			return nil, api.Errorf(api.ENotFound, "province %s not found", f.ProvinceCode)
		}
		q.ProvinceCode = f.ProvinceCode
	}
	if f.Code != "" {
		if q.Code != "" && q.Code != f.Code {
			return nil, api.Errorf(api.ENotFound, "office %s not found", f.Code)
		}
		q.Code = f.Code
	}
	all, err := g.store.Offices(c.Request.Context(), q)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if sc.AllowsOffice(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// ProvinceInScope returns the province code names, or not-found outside
// the scope.
func (g *Guard) ProvinceInScope(c *gin.Context, code string) (api.Province, error) {
	if !ScopeOf(c).AllowsProvince(code) {
		return api.Province{}, api.Errorf(api.ENotFound, "province %s not found", code)
	}
	ps, err := g.store.Provinces(c.Request.Context())
	if err != nil {
		return api.Province{}, err
	}
	for _, pr := range ps {
		if pr.Code == code {
			return pr, nil
		}
	}
	return api.Province{}, api.Errorf(api.ENotFound, "province %s not found", code)
}

// RecordsIntakeFor says whether the scope may record office code's intake:
// only the office's own staff do.
func (sc Scope) RecordsIntakeFor(code string) bool {
	return sc.role == api.RoleOfficeStaff && sc.office == code
}

// Incident narrows in to the scope: only its offices inside the scope are
// kept, and false means none is (the incident is not the caller's to see).
// Its figures (peak, monitored offices, affected steps) stay the
// incident's own.
func (sc Scope) Incident(in api.Incident) (api.Incident, bool) {
	var keep []api.IncidentOffice
	for _, o := range in.Offices {
		if sc.AllowsOffice(api.Office{Code: o.OfficeCode, ProvinceCode: o.ProvinceCode}) {
			keep = append(keep, o)
		}
	}
	in.Offices = keep
	return in, len(keep) > 0
}

// IncidentInScope reads incident id narrowed to the caller's scope, or
// not-found when it does not exist or has no office in the scope: the two
// look the same, as for offices. idParam is the path value; one that is not
// a positive integer is invalid, naming the field "id".
func (g *Guard) IncidentInScope(c *gin.Context, idParam string) (api.Incident, error) {
	id, err := strconv.ParseInt(idParam, 10, 64)
	if err != nil || id <= 0 {
		return api.Incident{}, api.FieldErrorf("id", "must be a positive integer")
	}
	in, err := g.store.Incident(c.Request.Context(), id)
	if err != nil {
		return api.Incident{}, err
	}
	in, ok := ScopeOf(c).Incident(in)
	if !ok {
		return api.Incident{}, api.Errorf(api.ENotFound, "incident %d not found", id)
	}
	return in, nil
}
