package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// Envelope is a decoded batch whose items stay raw so one malformed item is rejected by itself
// instead of failing the whole batch (a spool must never block on one item).
type Envelope struct {
	Office  string            `json:"office"`
	Agent   probe.AgentInfo   `json:"agent"`
	Results []json.RawMessage `json:"results"`
}

// rawResult has pointers so a missing field can be told from a zero one.
type rawResult struct {
	Seq          *uint64  `json:"seq"`
	Target       *string  `json:"target"`
	ObservedAt   *string  `json:"observed_at"`
	OK           *bool    `json:"ok"`
	Failure      *string  `json:"failure"`
	LatencyMS    *float64 `json:"latency_ms"`
	Detail       *string  `json:"detail"`
	CertDaysLeft *int     `json:"cert_days_left"`
}

// maxDetail bounds the free-text detail a probe may send per result.
const maxDetail = 1024

// DecodeBatch parses a batch body. It fails only when the envelope itself is
// unreadable; items are decoded one by one by DecodeResult.
func DecodeBatch(body []byte) (Envelope, error) {
	var b Envelope
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&b); err != nil {
		return Envelope{}, api.FieldErrorf("body", "not a JSON batch: %v", err)
	}
	if dec.More() {
		return Envelope{}, api.FieldErrorf("body", "unexpected data after the batch")
	}
	if b.Results == nil {
		return Envelope{}, api.FieldErrorf("results", "missing")
	}
	if b.Agent.SpoolDepth < 0 {
		return Envelope{}, api.FieldErrorf("agent.spool_depth", "must not be negative")
	}
	return b, nil
}

// DecodeResult parses and checks one item against now (the server's clock).
// On failure it returns the offending field and a reason; seq is returned
// whenever it could be read, so the agent can match the rejection.
func DecodeResult(raw json.RawMessage, now time.Time, futureTolerance time.Duration) (probe.Result, string, error) {
	var r rawResult
	if err := json.Unmarshal(raw, &r); err != nil {
		return probe.Result{}, "item", fmt.Errorf("not a JSON result object: %v", err)
	}
	var out probe.Result
	if r.Seq != nil {
		out.Seq = *r.Seq
	}
	switch {
	case r.Seq == nil:
		return out, "seq", fmt.Errorf("missing")
	case *r.Seq == 0 || *r.Seq > math.MaxInt64:
		return out, "seq", fmt.Errorf("must be between 1 and 2^63-1")
	case r.Target == nil || strings.TrimSpace(*r.Target) == "":
		return out, "target", fmt.Errorf("missing")
	case r.ObservedAt == nil:
		return out, "observed_at", fmt.Errorf("missing")
	case r.OK == nil:
		return out, "ok", fmt.Errorf("missing")
	case r.LatencyMS == nil:
		return out, "latency_ms", fmt.Errorf("missing")
	}
	out.Target = *r.Target
	out.OK = *r.OK
	at, err := time.Parse(time.RFC3339Nano, *r.ObservedAt)
	if err != nil {
		return out, "observed_at", fmt.Errorf("not an RFC 3339 time: %q", *r.ObservedAt)
	}
	switch {
	case at.After(now.Add(futureTolerance)):
		return out, "observed_at", fmt.Errorf("%s is more than %s ahead of the server's clock; check the office PC's clock", at.Format(time.RFC3339), futureTolerance)
	case at.Year() < 2000:
		return out, "observed_at", fmt.Errorf("%s is before the year 2000", at.Format(time.RFC3339))
	}
	out.ObservedAt = at.UTC()
	if r.Failure != nil {
		out.Failure = probe.Failure(*r.Failure)
	}
	switch {
	case !out.Failure.Valid():
		return out, "failure", fmt.Errorf("%q is not one of dns, connect, tls, http, timeout", out.Failure)
	case out.OK && out.Failure != probe.FailNone:
		return out, "failure", fmt.Errorf("must be empty when ok is true")
	case !out.OK && out.Failure == probe.FailNone:
		return out, "failure", fmt.Errorf("missing: a failed result needs its class")
	case math.IsNaN(*r.LatencyMS) || *r.LatencyMS < 0 || *r.LatencyMS > 3.6e6:
		return out, "latency_ms", fmt.Errorf("must be between 0 and 3600000")
	}
	out.LatencyMS = *r.LatencyMS
	if r.Detail != nil {
		if len(*r.Detail) > maxDetail {
			return out, "detail", fmt.Errorf("longer than %d bytes", maxDetail)
		}
		out.Detail = strings.ToValidUTF8(*r.Detail, "?")
	}
	if r.CertDaysLeft != nil {
		if *r.CertDaysLeft < -100000 || *r.CertDaysLeft > 100000 {
			return out, "cert_days_left", fmt.Errorf("out of range")
		}
		c := *r.CertDaysLeft
		out.CertDaysLeft = &c
	}
	return out, "", nil
}
