package server

import (
	"log/slog"
	"time"

	"github.com/gin-gonic/gin"
)

// routes is the one table of every route, one line each.
func (s *Server) routes() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery(), s.requestLog(), s.metrics.observe())
	r.HandleMethodNotAllowed = true

	r.GET("/healthz", s.handle(s.healthz))
	r.GET("/readyz", s.handle(s.readyz))
	r.GET("/metrics", s.metrics.handler)

	v1 := r.Group("/api/v1")
	v1.POST("/results", s.probeAuth(), s.handle(s.postResults))
	v1.GET("/probe/config", s.probeAuth(), s.handle(s.getProbeConfig))
	v1.POST("/enrol", s.handle(s.postEnrol))
	v1.GET("/offices", s.handle(s.listOffices))
	v1.GET("/offices/:code", s.handle(s.getOffice))

	for _, m := range s.mounts {
		r.Handle(m.Method, m.Path, gin.WrapH(m.Handler))
	}
	return r
}

// requestLog writes one structured line per request.
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelDebug
		if c.Writer.Status() >= 500 {
			level = slog.LevelWarn
		}
		s.log.Log(c.Request.Context(), level, "http request", "method", c.Request.Method, "path", c.Request.URL.Path,
			"status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds())
	}
}
