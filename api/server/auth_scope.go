package server

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
)

// Role groups used in the route table.
var (
	// rolesRead may read pages of the offices in their scope.
	rolesRead = []string{api.RoleOfficeStaff, api.RoleCityOfficial, api.RoleProvincialOfficial, api.RoleNationalOperator, api.RoleAdmin}
	// rolesProvince may open province pages (their own province, or any).
	rolesProvince = []string{api.RoleProvincialOfficial, api.RoleNationalOperator, api.RoleAdmin}
	// rolesNational may open the national page.
	rolesNational = []string{api.RoleNationalOperator, api.RoleAdmin}
	// rolesIntake may record intake (for their own office).
	rolesIntake = []string{api.RoleOfficeStaff}
	// rolesAdmin manage users, offices, targets, probes and maintenance.
	rolesAdmin = []string{api.RoleAdmin}
)

// scope is what one user may see.
type scope struct {
	role, office, province string
}

func scopeOf(u api.User) scope {
	return scope{role: u.Role, office: u.OfficeCode, province: u.ProvinceCode}
}

// Everything is true for the roles that see every office.
func (sc scope) Everything() bool {
	return sc.role == api.RoleNationalOperator || sc.role == api.RoleAdmin
}

// allowsOffice says whether o is inside the scope.
func (sc scope) allowsOffice(o api.Office) bool {
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

// allowsProvince says whether the whole province code is inside the scope.
func (sc scope) allowsProvince(code string) bool {
	return sc.Everything() || (sc.role == api.RoleProvincialOfficial && sc.province == code)
}

// filter is the narrowest office query that covers the scope; the result
// is still checked with allowsOffice.
func (sc scope) filter() api.OfficeFilter {
	switch sc.role {
	case api.RoleProvincialOfficial:
		return api.OfficeFilter{ProvinceCode: sc.province}
	case api.RoleOfficeStaff, api.RoleCityOfficial:
		return api.OfficeFilter{Code: sc.office}
	}
	return api.OfficeFilter{}
}

// scopeOfRequest is the scope of the request's session (auth ran before).
func scopeOfRequest(c *gin.Context) scope {
	sess := sessionOf(c)
	if sess == nil {
		return scope{}
	}
	return scopeOf(sess.User)
}

// officeInScope returns the office named by the request, or not-found when
// it does not exist or is outside the caller's scope: the two look the same,
// so a city official cannot even learn which other codes exist.
func (p *pages) officeInScope(c *gin.Context, code string) (api.Office, error) {
	o, err := p.s.store.Office(c.Request.Context(), code)
	if err != nil {
		return api.Office{}, err
	}
	if !scopeOfRequest(c).allowsOffice(o) {
		return api.Office{}, api.Errorf(api.ENotFound, "office %s not found", code)
	}
	return o, nil
}

// officesInScope lists every office the caller may see.
func (p *pages) officesInScope(c *gin.Context) ([]api.Office, error) {
	sc := scopeOfRequest(c)
	all, err := p.s.store.Offices(c.Request.Context(), sc.filter())
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if sc.allowsOffice(o) {
			out = append(out, o)
		}
	}
	return out, nil
}

// provinceInScope returns the province named by the request, or not-found
// outside the scope.
func (p *pages) provinceInScope(c *gin.Context, code string) (api.Province, error) {
	if !scopeOfRequest(c).allowsProvince(code) {
		return api.Province{}, api.Errorf(api.ENotFound, "province %s not found", code)
	}
	ps, err := p.s.store.Provinces(c.Request.Context())
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

// loginForm shows the login form with a fresh double-submit CSRF token.
func (p *pages) loginForm(c *gin.Context) error {
	if sessionOf(c) != nil {
		c.Redirect(http.StatusSeeOther, "/")
		return nil
	}
	return p.renderLogin(c, http.StatusOK, "")
}

func (p *pages) renderLogin(c *gin.Context, status int, message string) error {
	// A re-shown form keeps the token it was posted with, so a second try
	// from the same tab works; a first visit gets a fresh one.
	token, err := c.Cookie(loginCSRF)
	if err != nil || len(token) < 32 {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		token = base64.RawURLEncoding.EncodeToString(b)
	}
	p.setCookie(c, loginCSRF, token, 3600)
	next := c.Query("next")
	if next == "" {
		next = c.PostForm("next")
	}
	return p.render(c, status, "login", "login.title", map[string]any{"Token": token, "Next": next, "Message": message})
}

// Province is the province of a provincial official, for the navigation.
func (sc scope) Province() string { return sc.province }

// Office is the office of office staff and city officials.
func (sc scope) Office() string { return sc.office }
