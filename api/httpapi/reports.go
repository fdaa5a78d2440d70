package httpapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/report"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/sla"
)

// The reports' JSON API (docs/openapi.yaml, "reports"): backlog, overtime,
// SLA and availability for an office, a province or the country, over any
// period of office dates, as JSON or as CSV (?format=csv&table=…), and the
// "what if" of an open outage (?assume_end=). Scope as everywhere: what is
// outside it is not found.

// reportDefaultDays is the default period: the 30 days up to today.
const reportDefaultDays = reportdata.APIDefaultDays

// reports returns a report builder on the server's store and clock.
func (s *API) reports() *reportdata.Builder { return reportdata.New(s.store, s.now) }

// reportPeriod reads from, to (office dates in loc), assume_end (RFC
// 3339, or 2006-01-02T15:04 in loc) and extend (default true).
func (s *API) reportPeriod(c *gin.Context, loc *time.Location) (reportdata.Period, error) {
	today := calendar.DateOf(s.now(), loc)
	p := reportdata.Period{From: today.AddDays(-(reportDefaultDays - 1)), To: today}
	for _, f := range []struct {
		name string
		d    *calendar.Date
	}{{"from", &p.From}, {"to", &p.To}} {
		if v := c.Query(f.name); v != "" {
			d, err := calendar.ParseDate(v)
			if err != nil {
				return p, api.FieldErrorf(f.name, "want an office date as 2020-01-08")
			}
			*f.d = d
		}
	}
	if v := c.Query("assume_end"); v != "" {
		// An unescaped "+08:00" reaches us as " 08:00".
		v = strings.ReplaceAll(v, " ", "+")
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if t, err = time.ParseInLocation("2006-01-02T15:04", v, loc); err != nil {
				return p, api.FieldErrorf("assume_end", "want an RFC 3339 time such as 2020-01-11T07:00:00+08:00")
			}
		}
		p.AssumeEnd = t
	}
	// Reports start earlier over an outage open at from (Period.Extend),
	// unless asked not to.
	p.Extend = true
	if v := c.Query("extend"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return p, api.FieldErrorf("extend", "must be true or false")
		}
		p.Extend = b
	}
	return p, p.Validate()
}

// GetOfficeReport serves GET /api/v1/offices/:code/report.
func (s *API) GetOfficeReport(c *gin.Context) error {
	ctx := c.Request.Context()
	o, err := s.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	loc, err := reportdata.Location(o)
	if err != nil {
		return err
	}
	p, err := s.reportPeriod(c, loc)
	if err != nil {
		return err
	}
	r, err := s.reports().Office(ctx, o, p)
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		name := fmt.Sprintf("pantau-%s-%s-%s", o.Code, p.From, p.To)
		switch c.DefaultQuery("table", "days") {
		case "days":
			return sendCSV(c, name+"-days.csv", r.Report.WriteDaysCSV)
		case "breaches":
			return sendCSV(c, name+"-breaches.csv", r.Report.WriteBreachesCSV)
		case "availability":
			return sendCSV(c, name+"-availability.csv", availabilityCSV([]summaryRow{{o.Code, o.Name, r.Report.Totals, r.Report.Clearance, r.Availability}}))
		}
		return api.FieldErrorf("table", "want days, breaches or availability")
	}
	if f := c.Query("format"); f != "" && f != "json" {
		return api.FieldErrorf("format", "want json or csv")
	}
	emptyNotNull(r.Report)
	c.JSON(http.StatusOK, r)
	return nil
}

// GetProvinceReport serves GET /api/v1/provinces/:code/report.
func (s *API) GetProvinceReport(c *gin.Context) error {
	pr, err := s.guard.ProvinceInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	offices, err := s.store.Offices(c.Request.Context(), api.OfficeFilter{ProvinceCode: pr.Code})
	if err != nil {
		return err
	}
	return s.areaReport(c, pr.Code, pr.Name, pr.TZ, offices)
}

// GetNationalReport serves GET /api/v1/national/report.
func (s *API) GetNationalReport(c *gin.Context) error {
	if !auth.ScopeOf(c).Everything() {
		return api.Errorf(api.EForbidden, "the national report is for the national operator")
	}
	offices, err := s.store.Offices(c.Request.Context(), api.OfficeFilter{})
	if err != nil {
		return err
	}
	return s.areaReport(c, "ID", "Indonesia", reportdata.NationalTZ, offices)
}

// areaReport sums offices; the default period's today is in zone tz.
func (s *API) areaReport(c *gin.Context, code, name, tz string, offices []api.Office) error {
	loc, err := calendar.LoadZone(tz)
	if err != nil {
		return fmt.Errorf("area %s: %w", code, err)
	}
	p, err := s.reportPeriod(c, loc)
	if err != nil {
		return err
	}
	r, err := s.reports().Area(c.Request.Context(), code, name, offices, p)
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" {
		fname := fmt.Sprintf("pantau-%s-%s-%s", code, p.From, p.To)
		switch c.DefaultQuery("table", "days") {
		case "days":
			return sendCSV(c, fname+"-days.csv", r.Report.WriteDaysCSV)
		case "offices":
			rows := make([]summaryRow, len(r.Offices))
			for i, o := range r.Offices {
				rows[i] = summaryRow{o.Code, o.Name, o.Totals, o.Clearance, o.Availability}
			}
			return sendCSV(c, fname+"-offices.csv", availabilityCSV(rows))
		}
		return api.FieldErrorf("table", "want days or offices")
	}
	if f := c.Query("format"); f != "" && f != "json" {
		return api.FieldErrorf("format", "want json or csv")
	}
	emptyNotNull(r.Report)
	c.JSON(http.StatusOK, r)
	return nil
}

// sendCSV writes a CSV download; the body is built first so an error is
// still a clean JSON error.
func sendCSV(c *gin.Context, name string, write func(w io.Writer) error) error {
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	c.Header("Content-Disposition", `attachment; filename="`+name+`"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
	return nil
}

// summaryRow is one office's line of the availability and totals CSV.
type summaryRow struct {
	code, name string
	totals     report.Totals
	clearance  *calendar.Date
	avail      *sla.Report
}

var summaryHeader = []string{"office", "name", "received", "on_time", "late", "pending", "max_lateness_minutes", "compliance",
	"overtime_hours", "staff_hours", "cost", "clearance", "availability", "working_hours_availability", "outages",
	"longest_minutes", "mttr_minutes", "mtbf_minutes", "down_minutes", "unknown_minutes", "maintenance_minutes"}

// availabilityCSV writes totals and availability, one office a row;
// durations in whole minutes, shares with four decimals (empty: nothing
// measured).
func availabilityCSV(rows []summaryRow) func(w io.Writer) error {
	return func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(summaryHeader); err != nil {
			return err
		}
		mins := func(d calendar.Duration) string { return strconv.FormatInt(int64(time.Duration(d)/time.Minute), 10) }
		share := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', 4, 64)
		}
		for _, r := range rows {
			t := r.totals
			clear := ""
			if r.clearance != nil {
				clear = r.clearance.String()
			}
			rec := []string{r.code, r.name, strconv.Itoa(t.Received), strconv.Itoa(t.OnTime), strconv.Itoa(t.Late), strconv.Itoa(t.Pending),
				mins(t.MaxLateness), strconv.FormatFloat(t.Compliance, 'f', 4, 64), strconv.Itoa(t.OvertimeHours), strconv.Itoa(t.StaffHours),
				strconv.FormatInt(t.Cost, 10), clear}
			if a := r.avail; a != nil {
				rec = append(rec, share(a.All.Availability), share(a.WorkingHours.Availability), strconv.Itoa(a.Outages),
					mins(a.Longest), mins(a.MTTR), mins(a.MTBF), mins(a.All.Down), mins(a.All.Unknown), mins(a.All.Maintenance))
			} else {
				rec = append(rec, "", "", "", "", "", "", "", "", "")
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
}

// emptyNotNull makes a report's lists [] rather than null in JSON: the
// API's contract (docs/openapi.yaml) says arrays, and a client iterating
// "breaches" should not have to test for null first.
func emptyNotNull(r *report.Report) {
	if r != nil && r.Breaches == nil {
		r.Breaches = []report.Breach{}
	}
}
