package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
)

// healthz says the process is alive; it touches nothing else.
func (s *Server) healthz(c *gin.Context) error {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
	return nil
}

// readyz says the server can do its work: the database answers.
func (s *Server) readyz(c *gin.Context) error {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 2*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		c.JSON(http.StatusServiceUnavailable, gin.H{"error": gin.H{"code": "unavailable", "message": "database unreachable"}})
		return nil
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready"})
	return nil
}

// listOffices lists the offices in the caller's scope, optionally of one
// province (?province=73).
func (s *Server) listOffices(c *gin.Context) error {
	sc := scopeOfRequest(c)
	f := sc.filter()
	if p := c.Query("province"); p != "" {
		if f.ProvinceCode != "" && f.ProvinceCode != p {
			return api.Errorf(api.ENotFound, "province %s not found", p)
		}
		f.ProvinceCode = p
	}
	all, err := s.store.Offices(c.Request.Context(), f)
	if err != nil {
		return err
	}
	offices := make([]api.Office, 0, len(all))
	for _, o := range all {
		if sc.allowsOffice(o) {
			offices = append(offices, o)
		}
	}
	c.JSON(http.StatusOK, gin.H{"offices": offices})
	return nil
}

// getOffice returns one office in the caller's scope with its targets;
// outside the scope it is not found, like a code that does not exist.
func (s *Server) getOffice(c *gin.Context) error {
	ctx := c.Request.Context()
	o, err := s.store.Office(ctx, c.Param("code"))
	if err != nil {
		return err
	}
	if !scopeOfRequest(c).allowsOffice(o) {
		return api.Errorf(api.ENotFound, "office %s not found", o.Code)
	}
	targets, err := s.store.Targets(ctx, o.Code)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"office": o, "targets": targets})
	return nil
}
