package escalate

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/pantau-id/pantau/api"
)

const testSecret = "8f742231b10e8888abcd99yyyzzz85a5"

// ackBody is the form body Slack sends when user presses the button of
// incident id in channel.
func ackBody(t testing.TB, id int64, channel, user string) []byte {
	t.Helper()
	payload, err := json.Marshal(map[string]any{
		"type": "block_actions", "user": map[string]string{"id": user, "name": "andi"},
		"channel": map[string]string{"id": channel},
		"actions": []map[string]string{{"action_id": ackActionID, "block_id": "pantau_actions",
			"type": "button", "value": "73.71:" + strconv.FormatInt(id, 10)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return []byte(url.Values{"payload": {string(payload)}}.Encode())
}

// signedRequest builds a request signed with secret at ts.
func signedRequest(secret string, ts time.Time, body []byte) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader(string(body)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
	r.Header.Set("X-Slack-Signature", Sign(secret, ts.Unix(), body))
	return r
}

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1578467000, 0)
	body := []byte("payload=%7B%7D")
	tests := []struct {
		name   string
		req    func() *http.Request
		wantOK bool
	}{
		{"valid", func() *http.Request { return signedRequest(testSecret, now, body) }, true},
		{"valid at the edge of the window", func() *http.Request { return signedRequest(testSecret, now.Add(-SignatureMaxAge), body) }, true},
		{"expired", func() *http.Request { return signedRequest(testSecret, now.Add(-SignatureMaxAge-time.Second), body) }, false},
		{"from the future", func() *http.Request { return signedRequest(testSecret, now.Add(6*time.Minute), body) }, false},
		{"tampered body", func() *http.Request {
			r := signedRequest(testSecret, now, body)
			r.Body = http.NoBody
			return r
		}, false},
		{"tampered timestamp", func() *http.Request {
			r := signedRequest(testSecret, now, body)
			r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(now.Unix()-1, 10))
			return r
		}, false},
		{"wrong secret", func() *http.Request { return signedRequest("other-secret", now, body) }, false},
		{"missing headers", func() *http.Request {
			r := signedRequest(testSecret, now, body)
			r.Header.Del("X-Slack-Signature")
			return r
		}, false},
		{"other version", func() *http.Request {
			r := signedRequest(testSecret, now, body)
			r.Header.Set("X-Slack-Signature", strings.Replace(r.Header.Get("X-Slack-Signature"), "v0=", "v1=", 1))
			return r
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.req()
			b := body
			if r.Body == http.NoBody {
				b = []byte("payload=%7B%22x%22%7D")
			}
			err := VerifySignature(testSecret, r.Header, b, now)
			if (err == nil) != tc.wantOK {
				t.Fatalf("got %v, want ok=%v", err, tc.wantOK)
			}
			if err != nil && api.ErrorCode(err) != api.EUnauthorized {
				t.Fatalf("code %s, want unauthorized", api.ErrorCode(err))
			}
		})
	}
}

func TestInteractivityHandlerAcknowledgesOnceAndRefusesReplays(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	m := NewMetrics(prometheus.NewRegistry())
	h := InteractivityHandler(InteractivityConfig{SigningSecret: testSecret, Escalator: esc, Metrics: m})
	clock.Advance(time.Hour)
	body := ackBody(t, 1, "CMKS", "U123")
	serve := func(r *http.Request) int {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	if code := serve(signedRequest(testSecret, clock.Now(), body)); code != http.StatusOK {
		t.Fatalf("valid request: %d", code)
	}
	if code := serve(signedRequest(testSecret, clock.Now(), body)); code != http.StatusUnauthorized {
		t.Fatalf("replayed request: %d, want 401", code)
	}
	if code := serve(signedRequest(testSecret, clock.Now().Add(-10*time.Minute), body)); code != http.StatusUnauthorized {
		t.Fatalf("expired request: %d, want 401", code)
	}
	tampered := signedRequest(testSecret, clock.Now(), body)
	tampered.Body = io.NopCloser(strings.NewReader(strings.Replace(string(body), "U123", "U666", 1)))
	if code := serve(tampered); code != http.StatusUnauthorized {
		t.Fatalf("tampered request: %d, want 401", code)
	}

	ack, err := escStore(pool).Acknowledgement(t.Context(), 1)
	if err != nil || ack.By != "U123" || ack.At == nil || !ack.At.Equal(clock.Now()) {
		t.Fatalf("acknowledgement %+v, %v", ack, err)
	}
	for result, want := range map[string]float64{"acknowledged": 1, "replayed": 1, "bad_signature": 2} {
		if got := metricValue(m.interactions.WithLabelValues(result)); got != want {
			t.Errorf("interactions{%s} = %v, want %v", result, got, want)
		}
	}
}

func TestInteractivityWithoutSecretRefusesEverything(t *testing.T) {
	t.Parallel()
	pool := mustDB(t)
	clock := newFakeClock(wed0900)
	esc := New(escStore(pool), Options{Clock: clock, Logger: quietLogger()})
	mustObserve(t, pool, esc, openEvent(1, wed0900, officeMakassar))
	h := InteractivityHandler(InteractivityConfig{Escalator: esc, Logger: quietLogger()})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, signedRequest("", clock.Now(), ackBody(t, 1, "CMKS", "U1"))) // anyone can sign with ""
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	if ack, _ := escStore(pool).Acknowledgement(t.Context(), 1); ack.At != nil {
		t.Fatal("acknowledged through an unconfigured endpoint")
	}
	if err := (InteractivityConfig{}).Validate(); api.ErrorField(err) != "slack.signing_secret" {
		t.Fatalf("Validate: %v", err)
	}
	if err := (Config{}).Validate(); api.ErrorField(err) != "slack.token" {
		t.Fatalf("Config.Validate: %v", err)
	}
	if err := (Config{Token: "x", APIURL: "http://x"}).Validate(); api.ErrorField(err) != "slack.api_url" {
		t.Fatalf("Config.Validate: %v", err)
	}
}
