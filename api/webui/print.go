package webui

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/httperr"
)

// printView is the printable report: the letter an office (or a province)
// sends upward, with its charts, figures and downloads.
type printView struct {
	Kind     string // office or province
	Office   *officeDetail
	Province *provinceDetail
	Letter   letter
	Query    string // from=…&to=… for the download links
	Base     string // URL of this report without the query
}

// officeReportData resolves the office and period of a report request.
func (p *Pages) officeReportData(c *gin.Context) (*officeDetail, error) {
	o, err := p.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return nil, err
	}
	per, err := parsePeriod(c, officeLocation(o.TZ), p.now(), 31)
	if err != nil {
		return nil, err
	}
	assume, err := parseAssume(c, officeLocation(o.TZ))
	if err != nil {
		return nil, err
	}
	return p.buildOfficeDetail(c.Request.Context(), auth.LangOf(c), o, per, assume)
}

// provinceReportData resolves the province and period of a report request.
func (p *Pages) provinceReportData(c *gin.Context) (*provinceDetail, error) {
	pr, err := p.guard.ProvinceInScope(c, c.Param("code"))
	if err != nil {
		return nil, err
	}
	per, err := parsePeriod(c, officeLocation(pr.TZ), p.now(), 31)
	if err != nil {
		return nil, err
	}
	return p.buildProvinceDetail(c.Request.Context(), auth.LangOf(c), pr, per)
}

// OfficeReport is GET /reports/offices/:code, the printable letter.
func (p *Pages) OfficeReport(c *gin.Context) error {
	d, err := p.officeReportData(c)
	if err != nil {
		return err
	}
	set, err := p.store.OfficeLetter(c.Request.Context(), d.Office.Code)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("from=%s&to=%s", d.Period.From, d.Period.To)
	return p.render(c, http.StatusOK, "report", "report.title", printView{Kind: "office", Office: d, Letter: officeLetter(d, set, p.now()), Query: q, Base: c.Request.URL.Path})
}

// ProvinceReport is GET /reports/provinces/:code.
func (p *Pages) ProvinceReport(c *gin.Context) error {
	d, err := p.provinceReportData(c)
	if err != nil {
		return err
	}
	q := fmt.Sprintf("from=%s&to=%s", d.Period.From, d.Period.To)
	return p.render(c, http.StatusOK, "report", "report.title", printView{Kind: "province", Province: d, Letter: provinceLetter(d, p.now()), Query: q, Base: c.Request.URL.Path})
}

// OfficeReportFile serves the office report as CSV or XLSX (format is the
// last path segment).
func (p *Pages) OfficeReportFile(format string) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		d, err := p.officeReportData(c)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("pantau-%s-%s-%s", d.Office.Code, d.Period.From, d.Period.To)
		return sendTables(c, format, name, officeTables(d))
	}
}

// ProvinceReportFile serves the province report as CSV or XLSX.
func (p *Pages) ProvinceReportFile(format string) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		d, err := p.provinceReportData(c)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("pantau-%s-%s-%s", d.Province.Code, d.Period.From, d.Period.To)
		return sendTables(c, format, name, provinceTables(d))
	}
}

// Download formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// sendTables writes the first table as CSV, or every table as XLSX sheets.
func sendTables(c *gin.Context, format, name string, ts []table) error {
	var (
		body []byte
		err  error
		ct   string
	)
	switch format {
	case FormatCSV:
		ct = "text/csv; charset=utf-8"
		body, err = writeCSV(ts[0])
	case FormatXLSX:
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		body, err = writeXLSX(ts)
	default:
		return api.Errorf(api.ENotFound, "no format %q", format)
	}
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.%s"`, name, format))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, ct, body)
	return nil
}

// clip cuts a timeline to [a, b).
func clip(tl []api.StateInterval, a, b time.Time) []api.StateInterval {
	var out []api.StateInterval
	for _, iv := range tl {
		lo, hi := later(iv.From, a), earlier(iv.To, b)
		if lo.Before(hi) {
			iv.From, iv.To = lo, hi
			out = append(out, iv)
		}
	}
	return out
}
