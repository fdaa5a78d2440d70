package server

import (
	"errors"
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

// handlerFunc is a Gin handler that returns its error instead of writing it.
type handlerFunc func(c *gin.Context) error

// handle adapts a handlerFunc: errors become the one JSON error shape; only
// internal errors are logged, and users see a plain message for them.
func (s *Server) handle(h handlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := h(c); err != nil {
			s.writeError(c, err)
		}
	}
}

func (s *Server) writeError(c *gin.Context, err error) {
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		err = api.Errorf(api.ETooLarge, "request body is larger than %d bytes", maxErr.Limit)
	}
	code := api.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if code == api.EInternal {
		s.log.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method, "path", c.FullPath(), "err", err)
	}
	c.AbortWithStatusJSON(status, probe.ErrorBody{Error: probe.ErrorDetail{
		Code: code, Message: api.ErrorMessage(err), Field: api.ErrorField(err),
	}})
}
