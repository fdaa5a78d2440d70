package server

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// probeKey is where probeAuth leaves the authenticated probe.
const probeKey = "pantau.probe"

// probeAuth authenticates a probe's bearer token; revoked or wrong tokens get
// 401 before anything is read.
func (s *Server) probeAuth() gin.HandlerFunc {
	return func(c *gin.Context) {
		token, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || token == "" {
			s.writeError(c, api.Errorf(api.EUnauthorized, "missing bearer token"))
			return
		}
		p, err := s.store.AuthenticateProbe(c.Request.Context(), strings.TrimSpace(token))
		if err != nil {
			s.writeError(c, err)
			return
		}
		c.Set(probeKey, p)
		c.Next()
	}
}

func probeOf(c *gin.Context) api.Probe { return c.MustGet(probeKey).(api.Probe) }

// readBody reads the request body, gunzipping it when the probe compressed it;
// both the wire and the inflated size are bounded, so a gzip bomb gets 413.
func (s *Server) readBody(c *gin.Context) ([]byte, error) {
	limit := s.cfg.MaxBodyBytes
	body := http.MaxBytesReader(c.Writer, c.Request.Body, limit)
	var r io.Reader = body
	switch enc := strings.ToLower(c.GetHeader("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, api.FieldErrorf("body", "bad gzip stream: %v", err)
		}
		defer zr.Close()
		r = io.LimitReader(zr, limit+1)
	default:
		return nil, api.FieldErrorf("Content-Encoding", "%q is not supported (use gzip)", enc)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		if _, ok := err.(*http.MaxBytesError); ok {
			return nil, err
		}
		return nil, api.FieldErrorf("body", "read: %v", err)
	}
	if int64(len(b)) > limit {
		return nil, &http.MaxBytesError{Limit: limit}
	}
	return b, nil
}

// postResults stores a probe's batch: valid items are kept, each rejected one
// is named with its field and reason, duplicates are counted. The response is
// sent only after the commit, so a 200 means the results are durable.
func (s *Server) postResults(c *gin.Context) error {
	ctx := c.Request.Context()
	p := probeOf(c)
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	batch, err := DecodeBatch(body)
	if err != nil {
		return err
	}
	if batch.Office != "" && batch.Office != p.OfficeCode {
		return &api.Error{Code: api.EForbidden, Field: "office", Message: fmt.Sprintf("this probe writes for office %s, not %s", p.OfficeCode, batch.Office)}
	}
	agent, raws := batch.Agent, batch.Results
	if len(raws) > s.cfg.MaxBatch {
		return api.FieldErrorf("results", "%d results in one batch; at most %d", len(raws), s.cfg.MaxBatch)
	}
	ids, err := s.store.TargetIDs(ctx, p.OfficeCode)
	if err != nil {
		return err
	}
	now := s.now()
	cutoff := s.retentionCutoff(ctx, now)
	resp := probe.BatchResponse{Rejected: []probe.Rejection{}}
	items := make([]api.IngestItem, 0, len(raws))
	for i, raw := range raws {
		r, field, err := DecodeResult(raw, now, s.cfg.FutureTolerance)
		if err == nil && r.ObservedAt.Before(cutoff) {
			field, err = "observed_at", fmt.Errorf("%s is older than the results kept (since %s)", r.ObservedAt.Format(time.RFC3339), cutoff.Format(time.DateOnly))
		}
		if err == nil {
			id, ok := ids[r.Target]
			if !ok {
				field, err = "target", fmt.Errorf("office %s has no target %q", p.OfficeCode, r.Target)
			} else {
				items = append(items, api.IngestItem{TargetID: id, Result: r})
				continue
			}
		}
		resp.Rejected = append(resp.Rejected, probe.Rejection{Index: i, Seq: r.Seq, Field: field, Reason: err.Error()})
		s.metrics.rejected.WithLabelValues(field).Inc()
	}
	out, err := s.store.IngestResults(ctx, p, agent, items)
	if err != nil {
		return err
	}
	resp.Accepted, resp.Duplicates = out.Accepted, out.Duplicates
	s.metrics.accepted.Add(float64(out.Accepted))
	s.metrics.duplicates.Add(float64(out.Duplicates))
	labels := []string{p.OfficeCode, strconv.FormatInt(p.ID, 10)}
	s.metrics.spoolDepth.WithLabelValues(labels...).Set(float64(agent.SpoolDepth))
	s.metrics.dropped.WithLabelValues(labels...).Set(float64(agent.Dropped))
	s.metrics.clockSkew.WithLabelValues(labels...).Set(float64(agent.ClockOffsetMS) / 1000)
	c.JSON(http.StatusOK, resp)
	return nil
}

// ProbeConfig is what GET /api/v1/probe/config returns to an agent.
type ProbeConfig struct {
	Office   string         `json:"office"`
	Interval probe.Duration `json:"interval"`
	Targets  []probe.Target `json:"targets"`
}

// getProbeConfig tells an agent what to check, so targets are managed
// centrally rather than in each office's YAML file.
func (s *Server) getProbeConfig(c *gin.Context) error {
	p := probeOf(c)
	ts, err := s.store.Targets(c.Request.Context(), p.OfficeCode)
	if err != nil {
		return err
	}
	cfg := ProbeConfig{Office: p.OfficeCode, Targets: make([]probe.Target, 0, len(ts))}
	for _, t := range ts {
		// Each target keeps its own interval; the top-level one is the
		// shortest, for agents that schedule everything alike.
		spec := t.Spec
		spec.Interval = probe.Duration(t.Interval)
		cfg.Targets = append(cfg.Targets, spec)
		if cfg.Interval == 0 || probe.Duration(t.Interval) < cfg.Interval {
			cfg.Interval = probe.Duration(t.Interval)
		}
	}
	if cfg.Interval == 0 {
		// No targets yet: a valid configuration the agent waits on.
		cfg.Interval = probe.Duration(30 * time.Second)
	}
	// An ETag lets 514 agents polling every minute get a bodyless 304
	// while nothing changed.
	body, err := json.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("encode probe config: %w", err)
	}
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:12]) + `"`
	c.Header("ETag", etag)
	if c.GetHeader("If-None-Match") == etag {
		c.Status(http.StatusNotModified)
		return nil
	}
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
	return nil
}
