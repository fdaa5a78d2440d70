package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/report/calendar"
	"github.com/pantau-id/pantau/report/doctype"
)

// The office model's settings API (docs/openapi.yaml): staff, overtime cap
// and rates, working and counter hours, Ramadan ranges, document type
// overrides, and the national holidays. Reads follow the read scope;
// writes are admins' or the office's own staff's, with CSRF.

// decodeJSON reads a JSON body of at most 64 KB into v, refusing unknown
// fields.
func decodeJSON(c *gin.Context, v any, shape string) error {
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var maxErr *http.MaxBytesError
		if errors.As(err, &maxErr) {
			return err
		}
		return api.FieldErrorf("body", "must be %s as JSON: %v", shape, err)
	}
	return nil
}

// GetSettings serves GET /api/v1/offices/:code/settings: the settings (or
// defaults), the office's overrides and the catalogue they give.
func (s *API) GetSettings(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	st, err := s.store.OfficeSettings(ctx, o.Code)
	if err != nil {
		return err
	}
	ovs, err := s.store.DocTypeOverrides(ctx, o.Code)
	if err != nil {
		return err
	}
	cat, err := s.store.ModelReader().Catalogue(ctx, o.Code)
	if err != nil {
		return err
	}
	if ovs == nil {
		ovs = []doctype.Override{}
	}
	c.JSON(http.StatusOK, gin.H{"settings": st, "doc_type_overrides": ovs, "doc_types": cat})
	return nil
}

// PutSettings serves PUT /api/v1/offices/:code/settings.
func (s *API) PutSettings(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	var st api.OfficeSettings
	if err := decodeJSON(c, &st, "office settings"); err != nil {
		return err
	}
	st.OfficeCode = o.Code
	if err := s.store.PutOfficeSettings(c.Request.Context(), st, auth.SessionOf(c).User.ID, s.now()); err != nil {
		return err
	}
	return s.GetSettings(c)
}

// PutDocTypes serves PUT /api/v1/offices/:code/doc-types with
// {"overrides": [...]}: the office's overrides replaced as a whole.
func (s *API) PutDocTypes(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	var body struct {
		Overrides []doctype.Override `json:"overrides"`
	}
	if err := decodeJSON(c, &body, `{"overrides": [...]}`); err != nil {
		return err
	}
	if err := s.store.PutDocTypeOverrides(c.Request.Context(), o.Code, body.Overrides); err != nil {
		return err
	}
	return s.GetSettings(c)
}

// GetHolidays serves GET /api/v1/holidays?year=2020: the national public
// holidays and collective leave of a year (default this year).
func (s *API) GetHolidays(c *gin.Context) error {
	year := s.now().Year()
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 2200 {
			return api.FieldErrorf("year", "want a year such as 2020")
		}
		year = y
	}
	hs, err := s.store.Holidays(c.Request.Context(), calendar.D(year, 1, 1), calendar.D(year, 12, 31))
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []calendar.Holiday{}
	}
	c.JSON(http.StatusOK, gin.H{"year": year, "holidays": hs})
	return nil
}
