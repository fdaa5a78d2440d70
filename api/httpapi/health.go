package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
)

// Healthz says the process is alive; it touches nothing else.
func (s *API) Healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

// Readyz says the server can do its work: the database answers.
func (s *API) Readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": gin.H{"code": "unavailable", "message": "database unreachable"}})
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}

// ListOffices lists the offices in the caller's scope, optionally of one
// province (?province=73).
func (s *API) ListOffices(c *gin.Context) error {
	offices, err := s.guard.OfficesInScope(c, api.OfficeFilter{ProvinceCode: c.Query("province")})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"offices": offices})
	return nil
}

// GetOffice returns one office in the caller's scope with its targets;
// outside the scope it is not found, like a code that does not exist.
func (s *API) GetOffice(c *gin.Context) error {
	ctx := c.Request.Context()
	o, err := s.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	targets, err := s.store.Targets(ctx, o.Code)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"office": o, "targets": targets})
	return nil
}
