package webui

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/httperr"
	"github.com/pantau-id/pantau/api/pdf"
	"github.com/pantau-id/pantau/web"
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

// provinceReportData resolves the province and period of a report request
// and reads what it shows from the stored figures (plans: the exports
// also list each office's overtime plan day by day).
func (p *Pages) provinceReportData(c *gin.Context, plans bool) (*provinceDetail, error) {
	pr, err := p.guard.ProvinceInScope(c, c.Param("code"))
	if err != nil {
		return nil, err
	}
	per, err := parsePeriod(c, officeLocation(pr.TZ), p.now(), 31)
	if err != nil {
		return nil, err
	}
	return p.buildProvincePage(c.Request.Context(), auth.LangOf(c), pr, per, plans)
}

// officePrint is the office report's letter and attachment.
func (p *Pages) officePrint(c *gin.Context) (printView, error) {
	d, err := p.officeReportData(c)
	if err != nil {
		return printView{}, err
	}
	set, err := p.store.OfficeLetter(c.Request.Context(), d.Office.Code)
	if err != nil {
		return printView{}, err
	}
	q := fmt.Sprintf("from=%s&to=%s", d.Period.From, d.Period.To)
	return printView{Kind: "office", Office: d, Letter: officeLetter(d, set, p.now()), Query: q, Base: reportBase(c)}, nil
}

// provincePrint is the province report's letter and attachment.
func (p *Pages) provincePrint(c *gin.Context) (printView, error) {
	d, err := p.provinceReportData(c, false)
	if err != nil {
		return printView{}, err
	}
	q := fmt.Sprintf("from=%s&to=%s", d.Period.From, d.Period.To)
	return printView{Kind: "province", Province: d, Letter: provinceLetter(d, p.now()), Query: q, Base: reportBase(c)}, nil
}

// reportBase is the report's URL without /pdf, for its download links.
func reportBase(c *gin.Context) string { return strings.TrimSuffix(c.Request.URL.Path, "/pdf") }

// OfficeReport is GET /reports/offices/:code, the printable letter.
func (p *Pages) OfficeReport(c *gin.Context) error {
	v, err := p.officePrint(c)
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "report", "report.title", v)
}

// ProvinceReport is GET /reports/provinces/:code.
func (p *Pages) ProvinceReport(c *gin.Context) error {
	v, err := p.provincePrint(c)
	if err != nil {
		return err
	}
	return p.render(c, http.StatusOK, "report", "report.title", v)
}

// OfficeReportPDF is GET /reports/offices/:code/pdf: the same document as
// the browser's "Cetak", printed by the server's Chromium.
func (p *Pages) OfficeReportPDF(c *gin.Context) error {
	v, err := p.officePrint(c)
	if err != nil {
		return err
	}
	return p.sendPDF(c, v, fmt.Sprintf("pantau-%s-%s-%s", v.Office.Office.Code, v.Office.Period.From, v.Office.Period.To))
}

// ProvinceReportPDF is GET /reports/provinces/:code/pdf.
func (p *Pages) ProvinceReportPDF(c *gin.Context) error {
	v, err := p.provincePrint(c)
	if err != nil {
		return err
	}
	return p.sendPDF(c, v, fmt.Sprintf("pantau-%s-%s-%s", v.Province.Province.Code, v.Province.Period.From, v.Province.Period.To))
}

// sendPDF prints the report page with Chromium; without Chromium on the
// server it says so in words and points at the browser's own print.
func (p *Pages) sendPDF(c *gin.Context, v printView, name string) error {
	if !p.printer.Available() {
		msg := web.T(auth.LangOf(c), "report.pdf.none")
		return p.render(c, http.StatusServiceUnavailable, "error", "error.title", map[string]any{"Status": http.StatusServiceUnavailable, "Message": msg})
	}
	html, err := p.page(c, "report", "report.title", v)
	if err != nil {
		return err
	}
	body, err := p.printer.Print(c.Request.Context(), pdf.Doc{HTML: html, Assets: web.Static(), Prefix: web.StaticPrefix, Landscape: v.Kind == "province"})
	if err != nil {
		return err
	}
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.pdf"`, name))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/pdf", body)
	return nil
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
		return sendBook(c, format, name, officeBook(auth.LangOf(c), d, p.now()))
	}
}

// ProvinceReportFile serves the province report as CSV or XLSX.
func (p *Pages) ProvinceReportFile(format string) httperr.HandlerFunc {
	return func(c *gin.Context) error {
		d, err := p.provinceReportData(c, true)
		if err != nil {
			return err
		}
		name := fmt.Sprintf("pantau-%s-%s-%s", d.Province.Code, d.Period.From, d.Period.To)
		return sendBook(c, format, name, provinceBook(auth.LangOf(c), d, p.now()))
	}
}

// Download formats.
const (
	FormatCSV  = "csv"
	FormatXLSX = "xlsx"
)

// sendBook writes one sheet as CSV (?table=, the book's default without
// it), or every sheet as XLSX.
func sendBook(c *gin.Context, format, name string, b book) error {
	var (
		body []byte
		err  error
		ct   string
	)
	switch format {
	case FormatCSV:
		ct = "text/csv; charset=utf-8"
		var sep rune
		if sep, err = csvSep(c.Query("sep")); err != nil {
			return err
		}
		var s sheet
		if s, err = b.pick(c.Query("table")); err != nil {
			return err
		}
		if s.Key != b.CSV {
			name += "-" + s.Key
		}
		body, err = writeCSV(s, sep)
	case FormatXLSX:
		ct = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
		body, err = writeXLSX(b)
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
