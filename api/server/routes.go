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
	v1.POST("/results", s.probeAuth(true), s.handle(s.postResults))
	v1.GET("/probe/config", s.probeAuth(false), s.handle(s.getProbeConfig))
	v1.POST("/enrol", s.handle(s.postEnrol))

	// Web pages (auth*.go, pages*.go, report*.go): sessions, CSRF on every POST, scope on every read.
	w := s.newPages(s.cfg.Web)
	r.GET("/static/*filepath", w.serveStatic)
	r.GET("/status/:office", w.load(), w.page(w.publicStatusPage))
	r.GET("/login", w.load(), w.page(w.loginForm))
	r.POST("/login", w.load(), w.csrf(), w.page(w.login))
	r.POST("/logout", w.load(), w.csrf(), w.page(w.logout))
	r.GET("/", w.load(), w.auth(rolesRead...), w.page(w.boardPage))
	v1.GET("/board", w.load(), w.auth(rolesRead...), s.handle(w.boardJSON))
	v1.GET("/offices", w.load(), w.auth(rolesRead...), s.handle(s.listOffices))
	v1.GET("/offices/:code", w.load(), w.auth(rolesRead...), s.handle(s.getOffice))
	// Detection (detect_handlers.go): reads narrowed to the caller's scope.
	v1.GET("/states", w.load(), w.auth(rolesRead...), s.handle(s.getStates))
	v1.GET("/outages", w.load(), w.auth(rolesRead...), s.handle(s.getOutages))
	v1.GET("/incidents", w.load(), w.auth(rolesRead...), s.handle(s.getIncidents))
	v1.GET("/incidents/:id", w.load(), w.auth(rolesRead...), s.handle(s.getIncident))
	v1.GET("/offices/:code/timeline", w.load(), w.auth(rolesRead...), s.handle(s.getTimeline))
	v1.GET("/maintenance", w.load(), w.auth(rolesRead...), s.handle(s.getMaintenance))
	v1.POST("/maintenance", w.load(), w.auth(rolesAdmin...), w.csrf(), s.handle(s.postMaintenance))
	v1.DELETE("/maintenance/:id", w.load(), w.auth(rolesAdmin...), w.csrf(), s.handle(s.deleteMaintenance))
	r.GET("/offices/:code", w.load(), w.auth(rolesRead...), w.page(w.officePage))
	r.POST("/offices/:code/intake", w.load(), w.auth(rolesIntake...), w.csrf(), w.page(w.postIntake))
	// Reports and intake (reports_api.go, intake_api.go, api/reportdata): JSON or ?format=csv; scope as above.
	v1.GET("/offices/:code/report", w.load(), w.auth(rolesRead...), s.handle(s.getOfficeReport))
	v1.GET("/provinces/:code/report", w.load(), w.auth(rolesProvince...), s.handle(s.getProvinceReport))
	v1.GET("/national/report", w.load(), w.auth(rolesNational...), s.handle(s.getNationalReport))
	v1.GET("/offices/:code/intake", w.load(), w.auth(rolesRead...), s.handle(s.getIntake))
	v1.PUT("/offices/:code/intake", w.load(), w.auth(rolesIntake...), w.csrf(), s.handle(s.putIntake))
	v1.POST("/offices/:code/intake", w.load(), w.auth(rolesIntake...), w.csrf(), s.handle(s.putIntake))
	v1.POST("/offices/:code/intake/csv", w.load(), w.auth(rolesIntake...), w.csrf(), s.handle(s.postIntakeCSV))
	v1.GET("/offices/:code/settings", w.load(), w.auth(rolesRead...), s.handle(s.getSettings))
	v1.PUT("/offices/:code/settings", w.load(), w.auth(rolesSettings...), w.csrf(), s.handle(s.putSettings))
	v1.PUT("/offices/:code/doc-types", w.load(), w.auth(rolesSettings...), w.csrf(), s.handle(s.putDocTypes))
	v1.GET("/holidays", w.load(), w.auth(rolesRead...), s.handle(s.getHolidays))
	r.GET("/provinces/:code", w.load(), w.auth(rolesProvince...), w.page(w.provincePage))
	r.GET("/national", w.load(), w.auth(rolesNational...), w.page(w.nationalPage))
	r.GET("/reports/offices/:code", w.load(), w.auth(rolesRead...), w.page(w.officeReport))
	r.GET("/reports/offices/:code/csv", w.load(), w.auth(rolesRead...), w.page(w.officeReportFile(formatCSV)))
	r.GET("/reports/offices/:code/xlsx", w.load(), w.auth(rolesRead...), w.page(w.officeReportFile(formatXLSX)))
	r.GET("/reports/provinces/:code", w.load(), w.auth(rolesProvince...), w.page(w.provinceReport))
	r.GET("/reports/provinces/:code/csv", w.load(), w.auth(rolesProvince...), w.page(w.provinceReportFile(formatCSV)))
	r.GET("/reports/provinces/:code/xlsx", w.load(), w.auth(rolesProvince...), w.page(w.provinceReportFile(formatXLSX)))
	r.GET("/reports/monthly", w.load(), w.auth(rolesRead...), w.page(w.monthlyList))
	r.GET("/reports/monthly/:kind/:ref/:month/:format", w.load(), w.auth(rolesRead...), w.page(w.monthlyFile))
	r.GET("/admin", w.load(), w.auth(rolesAdmin...), w.page(w.adminPage))
	r.POST("/admin/users", w.load(), w.auth(rolesAdmin...), w.csrf(), w.page(w.adminAddUser))
	r.POST("/admin/probes", w.load(), w.auth(rolesAdmin...), w.csrf(), w.page(w.adminAddProbe))
	r.POST("/admin/maintenance", w.load(), w.auth(rolesAdmin...), w.csrf(), w.page(w.adminAddMaintenance))
	r.POST("/admin/targets", w.load(), w.auth(rolesAdmin...), w.csrf(), w.page(w.adminAddTarget))
	r.POST("/admin/probes/revoke", w.load(), w.auth(rolesAdmin...), w.csrf(), w.page(w.adminRevokeProbe))
	r.POST("/admin/offices", w.load(), w.auth(rolesAdmin...), w.csrf(), w.page(w.adminOfficeSettings))

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
