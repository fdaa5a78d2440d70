package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api/postgres"
)

// adminPage lists users and probes with forms to add them (admin only).
func (p *pages) adminPage(c *gin.Context) error {
	return p.renderAdmin(c, http.StatusOK, "", "")
}

func (p *pages) renderAdmin(c *gin.Context, status int, message, token string) error {
	ctx := c.Request.Context()
	users, err := p.s.store.Users(ctx)
	if err != nil {
		return err
	}
	probes, err := p.s.store.Probes(ctx, "")
	if err != nil {
		return err
	}
	return p.render(c, status, "admin", "nav.admin", map[string]any{
		"Users": users, "Probes": probes, "Roles": postgres.Roles, "Message": message, "Token": token,
	})
}

// adminAddUser is POST /admin/users.
func (p *pages) adminAddUser(c *gin.Context) error {
	u, err := p.s.store.CreateUser(c.Request.Context(), postgres.NewUser{
		Email: c.PostForm("email"), Name: c.PostForm("name"), Role: c.PostForm("role"),
		OfficeCode: c.PostForm("office"), ProvinceCode: c.PostForm("province"), Password: c.PostForm("password"),
	})
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, u.Email+" ✓", "")
}

// adminAddProbe is POST /admin/probes; the token is shown once.
func (p *pages) adminAddProbe(c *gin.Context) error {
	pr, token, err := p.s.store.CreateProbe(c.Request.Context(), c.PostForm("office"), c.PostForm("name"))
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, pr.OfficeCode+" / "+pr.Name+" ✓", token)
}
