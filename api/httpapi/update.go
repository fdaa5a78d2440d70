package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// updateOffer is the release offered to probe p under the rollout in
// force; nil when none.
func (s *API) updateOffer(c *gin.Context, p api.Probe) (*probe.UpdateOffer, error) {
	rel, bin, ok, err := s.store.UpdateFor(c.Request.Context(), p)
	if err != nil || !ok {
		return nil, err
	}
	return &probe.UpdateOffer{
		Version:   rel.Version,
		Name:      bin.Name,
		URL:       "/api/v1/probe/releases/" + url.PathEscape(rel.Version) + "/" + url.PathEscape(bin.Name),
		Sums:      string(rel.Sums),
		Signature: string(rel.Signature),
	}, nil
}

// GetReleaseBinary sends an agent a release binary. Only probes download:
// the programs are not secret, but 514 offices' worth of anonymous
// downloads of a few MB each is not what the server is for.
func (s *API) GetReleaseBinary(c *gin.Context) error {
	b, err := s.store.ReleaseBinary(c.Request.Context(), c.Param("version"), c.Param("name"))
	if err != nil {
		return err
	}
	c.Header("Content-Length", strconv.FormatInt(b.Size, 10))
	c.Data(http.StatusOK, "application/octet-stream", b.Content)
	return nil
}

// UpdateReport is what an agent posts about an update it tried.
type UpdateReport struct {
	// FailedVersion is the release the agent rolled back from: the new
	// program did not report in time.
	FailedVersion string `json:"failed_version"`
	// Reason says why (refused: the verification error; rolled back: the
	// new version did not report in time), for the server's log.
	Reason string `json:"reason,omitempty"`
}

// maxUpdateReason bounds an update report's reason.
const maxUpdateReason = 500

// PostUpdateReport records an agent's rollback, so that version is not
// offered to it again and the fleet view shows it failed.
func (s *API) PostUpdateReport(c *gin.Context) error {
	p := probeOf(c)
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var rep UpdateReport
	err = json.Unmarshal(body.Bytes(), &rep)
	s.putBody(body)
	if err != nil {
		return api.FieldErrorf("body", "not a JSON update report: %v", err)
	}
	if !api.ValidAgentVersion(rep.FailedVersion) {
		return api.FieldErrorf("failed_version", "%q is not a version such as 1.2.0", rep.FailedVersion)
	}
	if len(rep.Reason) > maxUpdateReason || !utf8.ValidString(rep.Reason) || strings.ContainsRune(rep.Reason, 0) {
		return api.FieldErrorf("reason", "at most %d bytes of text", maxUpdateReason)
	}
	if err := s.store.RecordUpdateFailed(c.Request.Context(), p, rep.FailedVersion); err != nil {
		return err
	}
	s.log.WarnContext(c.Request.Context(), "agent rolled back an update", "office", p.OfficeCode, "probe_id", p.ID, "version", rep.FailedVersion, "reason", rep.Reason)
	c.Status(http.StatusNoContent)
	return nil
}
