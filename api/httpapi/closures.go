package httpapi

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/calendar"
)

// GetClosures serves GET /api/v1/offices/:code/closures?year=2020: the
// office's own closed days (regional holidays, closures) of a year
// (default this year), which the model closes the office on as on a
// national holiday.
func (s *API) GetClosures(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	year := s.now().Year()
	if v := c.Query("year"); v != "" {
		y, err := strconv.Atoi(v)
		if err != nil || y < 1900 || y > 2200 {
			return api.FieldErrorf("year", "want a year such as 2020")
		}
		year = y
	}
	hs, err := s.store.OfficeClosures(c.Request.Context(), o.Code, calendar.D(year, 1, 1), calendar.D(year, 12, 31))
	if err != nil {
		return err
	}
	if hs == nil {
		hs = []calendar.Holiday{}
	}
	c.JSON(http.StatusOK, gin.H{"year": year, "closures": hs})
	return nil
}

// PutClosure serves PUT /api/v1/offices/:code/closures/:date with
// {"kind": "daerah"|"tutup", "name": "..."}: the day set or replaced.
func (s *API) PutClosure(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	day, err := calendar.ParseDate(c.Param("date"))
	if err != nil {
		return api.FieldErrorf("date", "%v", err)
	}
	var body struct {
		Kind calendar.HolidayKind `json:"kind"`
		Name string               `json:"name"`
	}
	if err := decodeJSON(c, &body, `{"kind": "daerah" or "tutup", "name": "..."}`); err != nil {
		return err
	}
	h := calendar.Holiday{Date: day, Kind: body.Kind, Name: body.Name}
	if err := s.store.SetOfficeClosure(c.Request.Context(), o.Code, h); err != nil {
		return err
	}
	c.JSON(http.StatusOK, h)
	return nil
}

// DeleteClosure serves DELETE /api/v1/offices/:code/closures/:date.
func (s *API) DeleteClosure(c *gin.Context) error {
	o, err := s.pathOffice(c)
	if err != nil {
		return err
	}
	day, err := calendar.ParseDate(c.Param("date"))
	if err != nil {
		return api.FieldErrorf("date", "%v", err)
	}
	if err := s.store.DeleteOfficeClosure(c.Request.Context(), o.Code, day); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
