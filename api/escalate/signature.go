package escalate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
)

// SignatureMaxAge is how far a request's timestamp may be from now (Slack's
// own advice): older requests are refused as possible replays.
const SignatureMaxAge = 5 * time.Minute

// VerifySignature checks Slack's v0 request signature: X-Slack-Signature
// must be "v0=" + hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + body)),
// compared in constant time, and X-Slack-Request-Timestamp within
// SignatureMaxAge of now. Replays inside the window are caught by the
// handler, which remembers signatures it accepted.
func VerifySignature(secret string, h http.Header, body []byte, now time.Time) error {
	tsHeader := h.Get("X-Slack-Request-Timestamp")
	sig := h.Get("X-Slack-Signature")
	if tsHeader == "" || sig == "" {
		return api.Errorf(api.EUnauthorized, "missing Slack signature headers")
	}
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return api.Errorf(api.EUnauthorized, "bad X-Slack-Request-Timestamp")
	}
	age := now.Sub(time.Unix(ts, 0))
	if age > SignatureMaxAge || age < -SignatureMaxAge {
		return api.Errorf(api.EUnauthorized, "Slack request timestamp too far from now (%s)", age.Round(time.Second))
	}
	got, ok := strings.CutPrefix(sig, "v0=")
	if !ok {
		return api.Errorf(api.EUnauthorized, "unsupported Slack signature version")
	}
	gotMAC, err := hex.DecodeString(got)
	if err != nil {
		return api.Errorf(api.EUnauthorized, "malformed Slack signature")
	}
	if !hmac.Equal(gotMAC, signatureMAC(secret, tsHeader, body)) {
		return api.Errorf(api.EUnauthorized, "Slack signature does not match")
	}
	return nil
}

func signatureMAC(secret, ts string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return mac.Sum(nil)
}

// Sign returns the X-Slack-Signature value for body at ts, as Slack computes
// it (for tests and local tools).
func Sign(secret string, ts int64, body []byte) string {
	return "v0=" + hex.EncodeToString(signatureMAC(secret, strconv.FormatInt(ts, 10), body))
}
