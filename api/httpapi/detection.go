package httpapi

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/api/detect"
)

// Detection's JSON API (docs/openapi-detect.yaml): office states, outages,
// incidents, timelines and maintenance windows. Every read is narrowed to
// the caller's scope (auth ran before); what is outside it is not found.

// detectScope narrows the office and province query parameters to the
// caller's scope (auth.Scope.Narrow).
func detectScope(c *gin.Context) (office, province string, err error) {
	return auth.ScopeOf(c).Narrow(c.Query("office"), c.Query("province"))
}

// detectTime reads an optional RFC 3339 query parameter.
func detectTime(c *gin.Context, name string) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, api.FieldErrorf(name, "must be an RFC 3339 time such as 2020-01-08T00:00:00+08:00")
	}
	return t, nil
}

// detectPeriod reads from, to, open and limit.
func detectPeriod(c *gin.Context) (from, to time.Time, open bool, limit int, err error) {
	if from, err = detectTime(c, "from"); err != nil {
		return
	}
	if to, err = detectTime(c, "to"); err != nil {
		return
	}
	if v := c.Query("open"); v != "" {
		if open, err = strconv.ParseBool(v); err != nil {
			err = api.FieldErrorf("open", "must be true or false")
			return
		}
	}
	if v := c.Query("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 {
			err = api.FieldErrorf("limit", "must be a positive integer")
			return
		}
	}
	return from, to, open, limit, nil
}

// GetStates serves GET /api/v1/states: the current state of every office
// in scope.
func (s *API) GetStates(c *gin.Context) error {
	office, province, err := detectScope(c)
	if err != nil {
		return err
	}
	states, err := s.store.OfficeStates(c.Request.Context(), api.OfficeFilter{Code: office, ProvinceCode: province}, s.now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"states": states})
	return nil
}

// GetOutages serves GET /api/v1/outages.
func (s *API) GetOutages(c *gin.Context) error {
	office, province, err := detectScope(c)
	if err != nil {
		return err
	}
	from, to, open, limit, err := detectPeriod(c)
	if err != nil {
		return err
	}
	outs, err := s.store.Outages(c.Request.Context(), api.OutageFilter{OfficeCode: office, ProvinceCode: province,
		From: from, To: to, OpenOnly: open, Kind: c.Query("kind"), TargetKind: c.Query("target_kind"),
		Cause: api.Cause(c.Query("cause")), Limit: limit}, s.now())
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"outages": outs})
	return nil
}

// GetIncidents serves GET /api/v1/incidents.
func (s *API) GetIncidents(c *gin.Context) error {
	office, province, err := detectScope(c)
	if err != nil {
		return err
	}
	from, to, open, limit, err := detectPeriod(c)
	if err != nil {
		return err
	}
	is, err := s.store.Incidents(c.Request.Context(), api.IncidentFilter{OfficeCode: office, ProvinceCode: province,
		From: from, To: to, OpenOnly: open, Scope: c.Query("scope"), Limit: limit})
	if err != nil {
		return err
	}
	out := make([]api.Incident, 0, len(is))
	for _, in := range is {
		if in, ok := auth.ScopeOf(c).Incident(in); ok {
			out = append(out, in)
		}
	}
	c.JSON(http.StatusOK, gin.H{"incidents": out})
	return nil
}

// GetIncident serves GET /api/v1/incidents/:id.
func (s *API) GetIncident(c *gin.Context) error {
	in, err := s.guard.IncidentInScope(c, c.Param("id"))
	if err != nil {
		return err
	}
	id := in.ID
	// Who pressed "Acknowledge" in Slack, when escalation has seen it.
	view := struct {
		api.Incident
		AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
		AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	}{Incident: in}
	ack, err := s.store.Escalation().Acknowledgement(c.Request.Context(), id)
	switch {
	case err == nil:
		view.AcknowledgedBy, view.AcknowledgedAt = ack.Who(), ack.At
	case api.ErrorCode(err) != api.ENotFound:
		return err
	}
	c.JSON(http.StatusOK, view)
	return nil
}

// GetTimeline serves GET /api/v1/offices/:code/timeline?from=&to=: the
// office's intervals of up, down, unknown and maintenance, their totals and
// the availability that excludes maintenance and unknown time.
func (s *API) GetTimeline(c *gin.Context) error {
	ctx := c.Request.Context()
	o, err := s.guard.OfficeInScope(c, c.Param("code"))
	if err != nil {
		return err
	}
	now := s.now()
	from, err := detectTime(c, "from")
	if err != nil {
		return err
	}
	if from.IsZero() {
		from = now.Add(-7 * 24 * time.Hour)
	}
	to, err := detectTime(c, "to")
	if err != nil {
		return err
	}
	tl, err := s.store.OfficeTimeline(ctx, o.Code, from, to, now)
	if err != nil {
		return err
	}
	totals := map[api.State]float64{}
	for st, d := range detect.Totals(tl) {
		totals[st] = d.Seconds()
	}
	var avail *float64
	if a, ok := detect.Availability(tl); ok {
		avail = &a
	}
	c.JSON(http.StatusOK, gin.H{"office_code": o.Code, "intervals": tl, "totals_seconds": totals, "availability": avail})
	return nil
}

// GetMaintenance serves GET /api/v1/maintenance.
func (s *API) GetMaintenance(c *gin.Context) error {
	office, province, err := detectScope(c)
	if err != nil {
		return err
	}
	from, to, _, _, err := detectPeriod(c)
	if err != nil {
		return err
	}
	ms, err := s.store.MaintenanceWindows(c.Request.Context(), api.MaintenanceFilter{OfficeCode: office, ProvinceCode: province, From: from, To: to})
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, gin.H{"maintenance": ms})
	return nil
}

// PostMaintenance serves POST /api/v1/maintenance (admins).
func (s *API) PostMaintenance(c *gin.Context) error {
	var m api.MaintenanceWindow
	dec := json.NewDecoder(http.MaxBytesReader(c.Writer, c.Request.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return api.FieldErrorf("body", "must be a maintenance window as JSON: %v", err)
	}
	m, err := s.store.CreateMaintenance(c.Request.Context(), m)
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, m)
	return nil
}

// DeleteMaintenance serves DELETE /api/v1/maintenance/:id (admins).
func (s *API) DeleteMaintenance(c *gin.Context) error {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return api.FieldErrorf("id", "must be an integer")
	}
	if err := s.store.DeleteMaintenance(c.Request.Context(), id); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
