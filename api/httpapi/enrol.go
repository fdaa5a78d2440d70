package httpapi

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
)

// EnrolRequest is what `pantau-probe enrol` sends.
type EnrolRequest struct {
	Code string `json:"code"`
	Name string `json:"name"` // the PC's host name, as a probe name
}

// EnrolResponse carries the probe's own token, shown to nobody but the agent.
type EnrolResponse struct {
	Office  string `json:"office"`
	ProbeID int64  `json:"probe_id"`
	Token   string `json:"token"`
	// ReleaseKey is the public key agent releases are signed with: the
	// agent stores it with its token and trusts no update signed otherwise.
	ReleaseKey string `json:"release_public_key,omitempty"`
}

// PostEnrol trades a one-time enrolment code for a probe token. Codes are
// short, so each client address gets a few tries a minute.
func (s *API) PostEnrol(c *gin.Context) error {
	ip := s.guard.ClientAddr(c)
	if !s.enrolLimit.allow(ip, s.now()) {
		c.Header("Retry-After", "60")
		return api.Errorf(api.ERateLimited, "too many enrolment attempts; wait a minute")
	}
	body, err := s.readBody(c)
	if err != nil {
		return err
	}
	var req EnrolRequest
	err = json.Unmarshal(body.Bytes(), &req)
	s.putBody(body)
	if err != nil {
		return api.FieldErrorf("body", "not a JSON enrolment request: %v", err)
	}
	if req.Code == "" {
		return api.FieldErrorf("code", "missing")
	}
	// Read before the code is spent, so a failure here costs no code.
	key, err := s.store.ReleasePublicKey(c.Request.Context())
	if err != nil {
		return err
	}
	p, token, err := s.store.Enrol(c.Request.Context(), req.Code, req.Name)
	if err != nil {
		return err
	}
	s.log.InfoContext(c.Request.Context(), "agent enrolled", "office", p.OfficeCode, "probe_id", p.ID, "name", p.Name, "remote", ip)
	c.JSON(http.StatusOK, EnrolResponse{Office: p.OfficeCode, ProbeID: p.ID, Token: token, ReleaseKey: key})
	return nil
}

// attemptLimiter allows a few attempts per key per window.
type attemptLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string][]time.Time
}

func newAttemptLimiter(max int, window time.Duration) *attemptLimiter {
	return &attemptLimiter{max: max, window: window, seen: map[string][]time.Time{}}
}

func (l *attemptLimiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.max {
		l.seen[key] = recent
		return false
	}
	l.seen[key] = append(recent, now)
	// Forget idle keys so the map does not grow without bound.
	if len(l.seen) > 10000 {
		for k, ts := range l.seen {
			if len(ts) == 0 || now.Sub(ts[len(ts)-1]) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	return true
}
