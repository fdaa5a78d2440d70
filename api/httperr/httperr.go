// Package httperr is the one mapping from api.Error codes to HTTP statuses
// and the one JSON error body, shared by the JSON API, the agent API, the
// pages (for their JSON routes) and authentication.
package httperr

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// statusOf maps api.Error codes to HTTP statuses, in one place.
var statusOf = map[string]int{
	api.EInvalid:      http.StatusBadRequest,
	api.ENotFound:     http.StatusNotFound,
	api.EConflict:     http.StatusConflict,
	api.EUnauthorized: http.StatusUnauthorized,
	api.EForbidden:    http.StatusForbidden,
	api.ETooLarge:     http.StatusRequestEntityTooLarge,
	api.ERateLimited:  http.StatusTooManyRequests,
	api.EInternal:     http.StatusInternalServerError,
}

// Status is the HTTP status of an api.Error code; 500 for any other.
func Status(code string) int {
	if status, ok := statusOf[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

// HandlerFunc is a Gin handler that returns its error instead of writing it.
type HandlerFunc func(c *gin.Context) error

// JSON adapts a HandlerFunc: errors become the one JSON error shape; only
// internal errors are logged, and users see a plain message for them.
func JSON(log *slog.Logger, h HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			Write(c, log, err)
		}
	}
}

// Write writes err as the JSON error body with its status and aborts the
// request; an internal error is logged.
func Write(c *gin.Context, log *slog.Logger, err error) {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		err = api.Errorf(api.ETooLarge, "request body is larger than %d bytes", maxErr.Limit)
	}
	code := api.ErrorCode(err)
	if code == api.EInternal {
		log.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	c.AbortWithStatusJSON(Status(code), probe.ErrorBody{Error: probe.ErrorDetail{
		Code: code, Message: api.ErrorMessage(err), Field: api.ErrorField(err),
	}})
}
