package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/reportdata"
	"github.com/pantau-id/pantau/probe"
)

// Intake's JSON API (docs/openapi.yaml, "intake"): files received (and,
// where recorded, completed) per office, office date and document type.
// Reads follow the read scope; writes are office staff's, for their own
// office, with the session's CSRF token (X-CSRF-Token). A write is all or
// nothing.

// maxIntakeBody bounds an intake upload: a year of ten types a day is
// about 100 KB of CSV.
const maxIntakeBody = 4 << 20

// pathOffice returns the office named by the path, not-found outside
// the caller's scope (auth.Guard.OfficeInScope).
func (s *API) pathOffice(c *gin.Context) (api.Office, error) {
	return s.guard.OfficeInScope(c, c.Param("code"))
}

// GetIntake serves GET /api/v1/offices/:code/intake?from=&to=.
func (s *API) GetIntake(c *gin.Context) error {
	o, err := s.pathOffice(c)
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
	rows, err := s.store.Intake(c.Request.Context(), o.Code, p.From, p.To)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []api.IntakeRow{}
	}
	c.JSON(http.StatusOK, gin.H{"office_code": o.Code, "zone": o.TZ, "from": p.From, "to": p.To, "intake": rows})
	return nil
}

// PutIntake serves PUT and POST /api/v1/offices/:code/intake with
// {"intake": [{date, type, received, completed}]}: each (date, type)
// given replaces what was recorded; the others stay.
func (s *API) PutIntake(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	var body struct {
		Intake []api.IntakeRow `json:"intake"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, maxIntakeBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		return api.FieldErrorf("body", "must be {\"intake\": [{\"date\", \"type\", \"received\", \"completed\"}]}: %v", err)
	}
	if len(body.Intake) == 0 {
		return api.FieldErrorf("intake", "must hold at least one row")
	}
	ctx := c.Request.Context()
	if err := s.reports().CheckIntake(ctx, o, body.Intake); err != nil {
		return err
	}
	if err := s.store.UpsertIntake(ctx, o.Code, body.Intake, auth.SessionOf(c).User.ID, s.now(), nil); err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"office_code": o.Code, "written": len(body.Intake)})
	return nil
}

// PostIntakeCSV serves POST /api/v1/offices/:code/intake/csv: the body is
// the CSV file (text/csv), or a multipart form with it in field "file".
// All or nothing: a file with errors writes nothing and the answer lists
// every error with its line and column.
func (s *API) PostIntakeCSV(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxIntakeBody)
	var r io.Reader = c.Request.Body
	if mt, _, _ := mime.ParseMediaType(c.ContentType()); mt == "multipart/form-data" {
		fh, err := c.FormFile("file")
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		if err != nil {
			return api.FieldErrorf("file", "a multipart upload needs the CSV in field \"file\"")
		}
		f, err := fh.Open()
		if err != nil {
			return api.FieldErrorf("file", "cannot read the upload: %v", err)
		}
		defer f.Close()
		r = f
	}
	n, err := s.reports().ImportIntakeCSV(c.Request.Context(), o, r, auth.SessionOf(c).User.ID, nil)
	var csvErrs reportdata.CSVErrors
	if errors.As(err, &csvErrs) {
		c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{
			"error": probe.ErrorDetail{Code: api.EInvalid, Field: "file",
				Message: fmt.Sprintf("the file has %d errors (the first %d listed); nothing was imported", csvErrs.Total, len(csvErrs.List))},
			"errors":      csvErrs.List,
			"error_count": csvErrs.Total,
		})
		return nil
	}
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"office_code": o.Code, "written": n})
	return nil
}
