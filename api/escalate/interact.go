package escalate

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/pantau-id/pantau/api"
)

// InteractivityConfig configures the Slack interactivity endpoint.
type InteractivityConfig struct {
	SigningSecret string       // the Slack app's signing secret; required
	Escalator     *Escalator   // records acknowledgements (and owns the store and clock)
	Names         *UserNames   // optional: display names of who acknowledged
	Metrics       *Metrics     // default unregistered metrics
	Logger        *slog.Logger // default the Escalator's
}

// Validate reports a missing secret or escalator. With an empty secret
// anyone could sign a request, so the handler refuses everything then.
func (c InteractivityConfig) Validate() error {
	if c.SigningSecret == "" {
		return api.FieldErrorf("slack.signing_secret", "is required")
	}
	if c.Escalator == nil {
		return api.FieldErrorf("escalator", "is required")
	}
	return nil
}

// InteractivityHandler returns the handler to mount at POST
// /slack/interactivity. It verifies the signature, refuses replays, and acts
// on the "Tandai ditangani" button; Slack gets 200 with an empty body.
func InteractivityHandler(cfg InteractivityConfig) http.Handler {
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
		if cfg.Escalator != nil {
			cfg.Logger = cfg.Escalator.logger
		}
	}
	return &interactivity{cfg: cfg}
}

type interactivity struct{ cfg InteractivityConfig }

func (h *interactivity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	result, err := h.serve(r)
	h.cfg.Metrics.interactions.WithLabelValues(result).Inc()
	if err == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	status := http.StatusInternalServerError
	switch api.ErrorCode(err) {
	case api.EUnauthorized:
		status = http.StatusUnauthorized
	case api.EInvalid:
		status = http.StatusBadRequest
	case api.ETooLarge:
		status = http.StatusRequestEntityTooLarge
	case api.ENotFound:
		status = http.StatusNotFound
	case api.EInternal:
		h.cfg.Logger.ErrorContext(r.Context(), "slack interactivity failed", slog.Any("err", err))
	}
	http.Error(w, api.ErrorMessage(err), status)
}

func (h *interactivity) serve(r *http.Request) (result string, err error) {
	if r.Method != http.MethodPost {
		return "invalid", api.Errorf(api.EInvalid, "POST only")
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20+1))
	if err != nil {
		return "invalid", api.Errorf(api.EInvalid, "read body: %v", err)
	}
	if len(body) > 1<<20 {
		return "invalid", api.Errorf(api.ETooLarge, "body over 1 MiB")
	}
	if err := h.cfg.Validate(); err != nil {
		// %v, not %w: a server fault (500, logged), not the caller's.
		return "error", fmt.Errorf("slack interactivity not configured: %v", err)
	}
	now := h.cfg.Escalator.clock.Now()
	if err := VerifySignature(h.cfg.SigningSecret, r.Header, body, now); err != nil {
		return "bad_signature", err
	}
	if fresh, err := h.remember(r.Context(), r.Header.Get("X-Slack-Signature")); err != nil {
		return "error", err
	} else if !fresh {
		return "replayed", api.Errorf(api.EUnauthorized, "Slack request replayed")
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "invalid", api.Errorf(api.EInvalid, "bad form body")
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		return "invalid", api.FieldErrorf("payload", "not a Slack interaction: %v", err)
	}
	if cb.Type != slack.InteractionTypeBlockActions {
		return "ignored", nil
	}
	for _, a := range cb.ActionCallback.BlockActions {
		if a.ActionID != ackActionID {
			continue
		}
		_, idText, _ := strings.Cut(a.Value, ":")
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return "invalid", api.FieldErrorf("actions.value", "not an incident reference: %q", a.Value)
		}
		name := cb.User.Name
		if h.cfg.Names != nil {
			if n, err := h.cfg.Names.Name(r.Context(), cb.User.ID); err != nil {
				h.cfg.Logger.WarnContext(r.Context(), "slack display name not found", slog.String("user", cb.User.ID), slog.Any("err", err))
			} else if n != "" {
				name = n
			}
		}
		changed, err := h.cfg.Escalator.Acknowledge(r.Context(), id, cb.Channel.ID, cb.User.ID, name)
		if api.ErrorCode(err) == api.ENotFound {
			return "unknown_incident", err
		}
		if err != nil {
			return "error", err
		}
		if !changed {
			return "already", nil // a second press: nothing changed, nothing counted
		}
		h.cfg.Logger.InfoContext(r.Context(), "incident acknowledged in slack",
			slog.Int64("incident_id", id), slog.String("user", cb.User.ID), slog.String("channel", cb.Channel.ID))
		return "acknowledged", nil
	}
	return "ignored", nil
}

// remember records an accepted signature; false when it was seen before
// (a replay). Signatures older than twice the window can never verify again
// and are pruned on the way.
func (h *interactivity) remember(ctx context.Context, sig string) (bool, error) {
	now := h.cfg.Escalator.clock.Now()
	return h.cfg.Escalator.store.RememberSignature(ctx, sig, now, now.Add(-2*SignatureMaxAge))
}
