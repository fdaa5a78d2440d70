package webui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/background"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/web"
)

// MonthlyConfig configures the monthly report job.
type MonthlyConfig struct {
	// Every is how often the job looks for a month without its reports
	// (default one hour; it makes them once, on the first of the month).
	Every time.Duration
	// Timeout bounds one run (default 30 minutes: a month's reports of
	// every office and province).
	Timeout time.Duration
	// Clock schedules the runs (default clock.Real); which month is over
	// is the server's clock's to say.
	Clock clock.Clock
	// Logger receives one line per run that made reports, and failures.
	Logger *slog.Logger
}

// MonthlyReports makes, on the first of each month, the report of every
// office and province for the month before, and keeps it (HTML, CSV, XLSX)
// in monthly_reports, so what was sent upward stays downloadable as it was.
type MonthlyReports struct {
	cfg   MonthlyConfig
	pages *Pages
	svc   *background.Service
}

// MonthlyReports returns the monthly report job; call Start.
func (p *Pages) MonthlyReports(cfg MonthlyConfig) *MonthlyReports {
	if cfg.Every <= 0 {
		cfg.Every = time.Hour
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = p.log
	}
	m := &MonthlyReports{cfg: cfg, pages: p}
	m.svc = background.New(background.Config{Name: "monthly-reports", Interval: cfg.Every, Timeout: cfg.Timeout,
		Clock: cfg.Clock, Logger: cfg.Logger}, func(ctx context.Context) (bool, error) {
		n, err := m.RunOnce(ctx)
		if n > 0 {
			m.cfg.Logger.InfoContext(ctx, "monthly reports made", "reports", n)
		}
		return false, err
	})
	return m
}

// Start runs the job until ctx ends or Stop is called (it blocks): once at
// once, then every cfg.Every. Failures are logged; the next run retries what
// is missing.
func (m *MonthlyReports) Start(ctx context.Context) { m.svc.Start(ctx) }

// Stop ends the job and waits, at most until ctx ends, for the run under
// way.
func (m *MonthlyReports) Stop(ctx context.Context) error { return m.svc.Stop(ctx) }

// RunOnce makes the reports of the previous month that do not exist yet and
// returns how many it made. Months are office months: the previous month in
// Jakarta time (WIB), the earliest zone, so a month is over everywhere once
// it is over in WIB.
func (m *MonthlyReports) RunOnce(ctx context.Context) (int, error) {
	now := m.pages.now()
	today := calendar.DateOf(now, officeLocation("Asia/Jakarta"))
	first := calendar.D(today.Year, today.Month, 1).AddDays(-1)
	from := calendar.D(first.Year, first.Month, 1)
	to := calendar.D(today.Year, today.Month, 1).AddDays(-1)
	store := m.pages.store
	offices, err := store.Offices(ctx, api.OfficeFilter{})
	if err != nil {
		return 0, err
	}
	provinces, err := store.Provinces(ctx)
	if err != nil {
		return 0, err
	}
	made := 0
	for _, o := range offices {
		ok, err := m.exists(ctx, o.Code, "office", from)
		if err != nil || ok {
			if err != nil {
				return made, err
			}
			continue
		}
		loc := officeLocation(o.TZ)
		per := period{From: from, To: to, Loc: loc, Start: from.In(loc, 0), End: to.AddDays(1).In(loc, 0)}
		d, err := m.pages.buildOfficeDetail(ctx, web.LangID, o, per, time.Time{})
		if err != nil {
			return made, fmt.Errorf("monthly report of %s: %w", o.Code, err)
		}
		set, err := m.pages.store.OfficeLetter(ctx, o.Code)
		if err != nil {
			return made, fmt.Errorf("monthly report of %s: %w", o.Code, err)
		}
		html, err := m.pages.execute("report", "report.title", view{Lang: web.LangID, Now: now, Data: printView{Kind: "office", Office: d, Letter: officeLetter(d, set, now)}})
		if err != nil {
			return made, err
		}
		if err := m.save(ctx, o.Code, "office", from, html, officeBook(web.LangID, d, now)); err != nil {
			return made, err
		}
		made++
	}
	for _, pr := range provinces {
		ok, err := m.exists(ctx, pr.Code, "province", from)
		if err != nil || ok {
			if err != nil {
				return made, err
			}
			continue
		}
		loc := officeLocation(pr.TZ)
		per := period{From: from, To: to, Loc: loc, Start: from.In(loc, 0), End: to.AddDays(1).In(loc, 0)}
		d, err := m.pages.buildProvincePage(ctx, web.LangID, pr, per, true)
		if err != nil {
			return made, fmt.Errorf("monthly report of province %s: %w", pr.Code, err)
		}
		if len(d.Offices) == 0 {
			continue
		}
		html, err := m.pages.execute("report", "report.title", view{Lang: web.LangID, Now: now, Data: printView{Kind: "province", Province: d, Letter: provinceLetter(d, now)}})
		if err != nil {
			return made, err
		}
		if err := m.save(ctx, pr.Code, "province", from, html, provinceBook(web.LangID, d, now)); err != nil {
			return made, err
		}
		made++
	}
	return made, nil
}

func (m *MonthlyReports) exists(ctx context.Context, ref, kind string, month calendar.Date) (bool, error) {
	return m.pages.store.HasMonthlyReport(ctx, ref, kind, month)
}

func (m *MonthlyReports) save(ctx context.Context, ref, kind string, month calendar.Date, html []byte, b book) error {
	s, err := b.pick("")
	if err != nil {
		return err
	}
	csvBody, err := writeCSV(s, ',')
	if err != nil {
		return err
	}
	xlsx, err := writeXLSX(b)
	if err != nil {
		return err
	}
	return m.pages.store.SaveMonthlyReport(ctx, ref, kind, month, html, csvBody, xlsx)
}

// monthlyEntry is one kept report in the list, with its office's or
// province's name.
type monthlyEntry struct {
	api.MonthlyReport
	Name string
}

// MonthlyList is GET /reports/monthly: the kept reports in the caller's scope.
func (p *Pages) MonthlyList(c *gin.Context) error {
	offices, err := p.guard.OfficesInScope(c, api.OfficeFilter{})
	if err != nil {
		return err
	}
	names := officeNames(offices)
	provinces, err := p.store.Provinces(c.Request.Context())
	if err != nil {
		return err
	}
	provNames := map[string]string{}
	for _, pr := range provinces {
		provNames[pr.Code] = pr.Name
	}
	sc := auth.ScopeOf(c)
	kept, err := p.store.MonthlyReports(c.Request.Context(), 2000)
	if err != nil {
		return err
	}
	var list []monthlyEntry
	for _, r := range kept {
		if name, ok := names[r.Ref]; ok && r.Kind == "office" {
			list = append(list, monthlyEntry{r, name})
		} else if r.Kind == "province" && sc.AllowsProvince(r.Ref) {
			list = append(list, monthlyEntry{r, provNames[r.Ref]})
		}
	}
	return p.render(c, http.StatusOK, "monthly", "report.monthly", list)
}

// MonthlyFile is GET /reports/monthly/:kind/:ref/:month/:format.
func (p *Pages) MonthlyFile(c *gin.Context) error {
	kind, ref, format := c.Param("kind"), c.Param("ref"), c.Param("format")
	switch kind {
	case "office":
		if _, err := p.guard.OfficeInScope(c, ref); err != nil {
			return err
		}
	case "province":
		if _, err := p.guard.ProvinceInScope(c, ref); err != nil {
			return err
		}
	default:
		return api.Errorf(api.ENotFound, "no report kind %q", kind)
	}
	ct, ok := map[string]string{
		"html": "text/html; charset=utf-8", FormatCSV: "text/csv; charset=utf-8",
		FormatXLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	}[format]
	if !ok {
		return api.Errorf(api.ENotFound, "no format %q", format)
	}
	body, err := p.store.MonthlyReportFile(c.Request.Context(), ref, kind, c.Param("month"), format)
	if err != nil {
		return err
	}
	if format != "html" {
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="pantau-%s-%s.%s"`, ref, c.Param("month"), format))
	}
	c.Data(http.StatusOK, ct, body)
	return nil
}
