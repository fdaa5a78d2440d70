package server

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api/postgres"
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

// listOffices lists offices, optionally of one province (?province=73).
func (s *Server) listOffices(c *gin.Context) error {
	offices, err := s.store.Offices(c.Request.Context(), officeFilter(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"offices": offices})
	return nil
}

// getOffice returns one office with its targets.
func (s *Server) getOffice(c *gin.Context) error {
	ctx := c.Request.Context()
	o, err := s.store.Office(ctx, c.Param("code"))
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

func officeFilter(c *gin.Context) postgres.OfficeFilter {
	return postgres.OfficeFilter{ProvinceCode: c.Query("province")}
}
