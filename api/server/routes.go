package server

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/webui"
)

// routes is the one table of every route, grouped by audience. A route
// takes its credentials from its group: the agent's from its probe token;
// a person's from the session, with the roles given on every route (the
// argument cannot be left out) and the CSRF check on every write.
func (s *Server) routes() *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery(), securityHeaders(), s.requestLog(), s.metrics.observe(), newGzipPool().compress(), s.checkInput())
	r.HandleMethodNotAllowed = true
	a, w := s.api, s.pages
	j := a.JSON
	// An unknown URL gets the styled error page (JSON under /api/), in the
	// language of the session or cookie when there is one.
	r.NoRoute(s.guard.Load(), w.Page(w.NotFound))

	// Operations: liveness, readiness, metrics.
	r.GET("/healthz", j(a.Healthz))
	r.GET("/readyz", j(a.Readyz))
	if !s.cfg.Metrics.OwnListener {
		r.GET("/metrics", metricsAuth(s.cfg.Metrics.Token), s.metrics.handler)
	}

	// Agents (api/httpapi): the probe token is the credential; no session,
	// no CSRF (an agent is not a browser). Enrolment's one-time code is its
	// own credential.
	agent := r.Group("/api/v1")
	agent.POST("/results", a.ProbeAuth(true), j(a.PostResults))
	agent.GET("/probe/config", a.ProbeAuth(false), j(a.GetProbeConfig))
	agent.GET("/probe/releases/:version/:name", a.ProbeAuth(false), j(a.GetReleaseBinary))
	agent.POST("/probe/update", a.ProbeAuth(false), j(a.PostUpdateReport))
	agent.POST("/enrol", j(a.PostEnrol))

	// Public (api/webui): no login. The login form's POST carries the
	// double-submit CSRF token.
	public := r.Group("/", s.guard.Load())
	r.GET("/static/*filepath", w.ServeStatic)
	public.GET("/status/:office", w.Page(w.PublicStatusPage))
	public.GET("/login", w.Page(w.LoginForm))
	public.POST("/login", s.guard.CSRF(), w.Page(w.Login))
	public.POST("/logout", s.guard.CSRF(), w.Page(w.Logout))

	// Pages, prints and exports for people with a session (api/webui).
	pages := s.session(r.Group("/"))
	pages.read("/", auth.RolesRead, w.Page(w.BoardPage))
	pages.read("/offices/:code", auth.RolesRead, w.Page(w.OfficePage))
	pages.write(http.MethodPost, "/offices/:code/intake", auth.RolesIntake, w.Page(w.PostIntake))
	pages.read("/offices/:code/settings", auth.RolesSettings, w.Page(w.SettingsPage))
	pages.write(http.MethodPost, "/offices/:code/settings/letter", auth.RolesSettings, w.Page(w.PostLetterSettings))
	pages.write(http.MethodPost, "/offices/:code/closures", auth.RolesSettings, w.Page(w.PostClosure))
	pages.read("/provinces/:code", auth.RolesProvince, w.Page(w.ProvincePage))
	pages.read("/national", auth.RolesNational, w.Page(w.NationalPage))
	pages.read("/incidents/:id", auth.RolesRead, w.Page(w.IncidentPage))
	pages.read("/reports/offices/:code", auth.RolesRead, w.Page(w.OfficeReport))
	pages.read("/reports/offices/:code/csv", auth.RolesRead, w.Page(w.OfficeReportFile(webui.FormatCSV)))
	pages.read("/reports/offices/:code/xlsx", auth.RolesRead, w.Page(w.OfficeReportFile(webui.FormatXLSX)))
	pages.read("/reports/offices/:code/pdf", auth.RolesRead, w.Page(w.OfficeReportPDF))
	pages.read("/reports/provinces/:code", auth.RolesProvince, w.Page(w.ProvinceReport))
	pages.read("/reports/provinces/:code/csv", auth.RolesProvince, w.Page(w.ProvinceReportFile(webui.FormatCSV)))
	pages.read("/reports/provinces/:code/xlsx", auth.RolesProvince, w.Page(w.ProvinceReportFile(webui.FormatXLSX)))
	pages.read("/reports/provinces/:code/pdf", auth.RolesProvince, w.Page(w.ProvinceReportPDF))
	pages.read("/reports/monthly", auth.RolesRead, w.Page(w.MonthlyList))
	pages.read("/reports/monthly/:kind/:ref/:month/:format", auth.RolesRead, w.Page(w.MonthlyFile))

	// The JSON API for people with a session and their scripts
	// (api/httpapi; the board's refresh is api/webui's). Reads are narrowed
	// to the caller's scope.
	v1 := s.session(r.Group("/api/v1"))
	v1.read("/board", auth.RolesRead, j(w.BoardJSON))
	v1.read("/offices", auth.RolesRead, j(a.ListOffices))
	v1.read("/offices/:code", auth.RolesRead, j(a.GetOffice))
	v1.read("/states", auth.RolesRead, j(a.GetStates))
	v1.read("/outages", auth.RolesRead, j(a.GetOutages))
	v1.read("/incidents", auth.RolesRead, j(a.GetIncidents))
	v1.read("/incidents/:id", auth.RolesRead, j(a.GetIncident))
	v1.read("/offices/:code/timeline", auth.RolesRead, j(a.GetTimeline))
	v1.read("/maintenance", auth.RolesRead, j(a.GetMaintenance))
	v1.read("/offices/:code/report", auth.RolesRead, j(a.GetOfficeReport))
	v1.read("/provinces/:code/report", auth.RolesProvince, j(a.GetProvinceReport))
	v1.read("/national/report", auth.RolesNational, j(a.GetNationalReport))
	v1.read("/offices/:code/intake", auth.RolesRead, j(a.GetIntake))
	v1.write(http.MethodPut, "/offices/:code/intake", auth.RolesIntake, j(a.PutIntake))
	v1.write(http.MethodPost, "/offices/:code/intake", auth.RolesIntake, j(a.PutIntake))
	v1.write(http.MethodPost, "/offices/:code/intake/csv", auth.RolesIntake, j(a.PostIntakeCSV))
	v1.read("/offices/:code/settings", auth.RolesRead, j(a.GetSettings))
	v1.write(http.MethodPut, "/offices/:code/settings", auth.RolesSettings, j(a.PutSettings))
	v1.write(http.MethodPut, "/offices/:code/doc-types", auth.RolesSettings, j(a.PutDocTypes))
	v1.read("/holidays", auth.RolesRead, j(a.GetHolidays))
	v1.read("/offices/:code/closures", auth.RolesRead, j(a.GetClosures))
	v1.write(http.MethodPut, "/offices/:code/closures/:date", auth.RolesSettings, j(a.PutClosure))
	v1.write(http.MethodDelete, "/offices/:code/closures/:date", auth.RolesSettings, j(a.DeleteClosure))

	// Administration: admins only, pages and JSON alike.
	admin := s.session(r.Group("/"))
	admin.read("/admin", auth.RolesAdmin, w.Page(w.AdminPage))
	admin.write(http.MethodPost, "/admin/users", auth.RolesAdmin, w.Page(w.AdminAddUser))
	admin.write(http.MethodPost, "/admin/probes", auth.RolesAdmin, w.Page(w.AdminAddProbe))
	admin.write(http.MethodPost, "/admin/maintenance", auth.RolesAdmin, w.Page(w.AdminAddMaintenance))
	admin.write(http.MethodPost, "/admin/targets", auth.RolesAdmin, w.Page(w.AdminAddTarget))
	admin.write(http.MethodPost, "/admin/probes/revoke", auth.RolesAdmin, w.Page(w.AdminRevokeProbe))
	admin.write(http.MethodPost, "/admin/tokens", auth.RolesAdmin, w.Page(w.AdminAddToken))
	admin.write(http.MethodPost, "/admin/tokens/revoke", auth.RolesAdmin, w.Page(w.AdminRevokeToken))
	admin.write(http.MethodPost, "/admin/offices", auth.RolesAdmin, w.Page(w.AdminOfficeSettings))
	admin.write(http.MethodPost, "/admin/slack/retry", auth.RolesAdmin, w.Page(w.AdminSlackRetry))
	admin.upload("/admin/releases", auth.RolesAdmin, webui.MaxReleaseUpload, w.Page(w.AdminUploadRelease))
	admin.write(http.MethodPost, "/admin/releases/rollout", auth.RolesAdmin, w.Page(w.AdminRollout))
	admin.write(http.MethodPost, "/api/v1/maintenance", auth.RolesAdmin, j(a.PostMaintenance))
	admin.write(http.MethodDelete, "/api/v1/maintenance/:id", auth.RolesAdmin, j(a.DeleteMaintenance))

	for _, m := range s.mounts {
		r.Handle(m.Method, m.Path, gin.WrapH(m.Handler))
	}
	return r
}

// sessionRoutes registers routes for people with a session: each route
// names the roles it admits, and every write also checks CSRF.
type sessionRoutes struct {
	g     *gin.RouterGroup
	guard *auth.Guard
}

// session makes g a group of session routes: the session and language are
// read first.
func (s *Server) session(g *gin.RouterGroup) sessionRoutes {
	g.Use(s.guard.Load())
	return sessionRoutes{g: g, guard: s.guard}
}

// read registers a GET that roles may use.
func (sr sessionRoutes) read(path string, roles auth.Roles, h gin.HandlerFunc) {
	sr.g.GET(path, sr.guard.Require(roles), h)
}

// write registers a state-changing route: roles, then the CSRF token.
func (sr sessionRoutes) write(method, path string, roles auth.Roles, h gin.HandlerFunc) {
	sr.g.Handle(method, path, sr.guard.Require(roles), sr.guard.CSRF(), h)
}

// upload registers a POST of a multipart upload: roles, then the form
// parsed under a bound on the body (files past 32 MiB wait on disk), then
// the CSRF token from that form.
func (sr sessionRoutes) upload(path string, roles auth.Roles, limit int64, h gin.HandlerFunc) {
	sr.g.POST(path, sr.guard.Require(roles), func(c *gin.Context) {
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		err := c.Request.ParseMultipartForm(32 << 20)
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			sr.guard.Fail(c, api.Errorf(api.ETooLarge, "upload is larger than %d bytes", limit))
		case err != nil:
			sr.guard.Fail(c, api.FieldErrorf("body", "not a multipart form upload"))
		default:
			c.Next()
		}
	}, sr.guard.CSRF(), h)
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
