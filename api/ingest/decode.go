// Package ingest reads a probe's batch (probe.Batch on the wire) in one pass
// and checks every result against the server's rules before anything reaches
// the store. A malformed item is rejected by itself with its field and
// reason, so one bad result never blocks an office's spool; only an
// unreadable envelope fails the whole batch.
//
// The body is parsed once with fastjson into a tree of values that point
// into the body, and each item is read from that tree: encoding/json would
// scan every item twice (the envelope's []json.RawMessage, then Unmarshal
// per item), and it was 62 % of the server's CPU at full ingest
// (docs/scaling.md). fastjson is lenient where encoding/json is strict (it
// reads NaN and Inf, keeps unknown escapes as text, does not check UTF-8), so
// every value read here is checked against its rule instead: numbers by range,
// text for valid UTF-8 without NUL (PostgreSQL's text cannot hold NUL) and by
// length.
package ingest

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/valyala/fastjson"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

// Bounds on the text a probe may send.
const (
	// MaxDetail bounds the free-text detail of one result.
	MaxDetail = 1024
	// MaxTarget bounds a target name (longer ones cannot exist).
	MaxTarget = 200
	// MaxAgentText bounds the agent's version, OS and architecture.
	MaxAgentText = 64
)

// Rules are what items are checked against.
type Rules struct {
	// Now is the server's clock; FutureTolerance how far ahead of it an
	// observation may be (the office PC's clock may run fast).
	Now             time.Time
	FutureTolerance time.Duration
	// MaxResults bounds the results in one batch (0: no bound).
	MaxResults int
}

// Item is one result that passed every check, with its index in the batch.
type Item struct {
	Index  int
	Result probe.Result
}

// Batch is a decoded body: the envelope, the valid items, and the
// rejected ones. An agent text field that fails its check is rejected with
// Index -1 and recorded as unknown (empty).
type Batch struct {
	Office   string
	Agent    probe.AgentInfo
	Items    []Item
	Rejected []probe.Rejection
	// Results is how many items the batch held.
	Results int
}

// Decoder decodes batches; it is safe for concurrent use. Its zero value is
// ready to use.
type Decoder struct {
	// parsers are reused: a parser keeps its value cache between bodies.
	parsers fastjson.ParserPool
}

// Decode parses body and checks each result. It returns an *api.Error naming
// the field when the envelope itself is unreadable or over the limits.
func (d *Decoder) Decode(body []byte, rules Rules) (Batch, error) {
	return d.DecodeInto(body, rules, nil)
}

// DecodeInto is Decode with the valid items appended to items[:0], so a
// caller can reuse the slice of an earlier batch it is done with.
func (d *Decoder) DecodeInto(body []byte, rules Rules, items []Item) (Batch, error) {
	p := d.parsers.Get()
	defer d.parsers.Put(p)
	v, err := p.ParseBytes(body)
	if err != nil {
		return Batch{}, api.FieldErrorf("body", "not a JSON batch: %v", err)
	}
	env, err := v.Object()
	if err != nil {
		return Batch{}, api.FieldErrorf("body", "a batch is a JSON object, not %s", v.Type())
	}
	var b Batch
	if o := env.Get("office"); present(o) {
		s, reason := text(o, 16)
		if reason != "" {
			return Batch{}, api.FieldErrorf("office", "%s", reason)
		}
		b.Office = s
	}
	if err := b.decodeAgent(env.Get("agent")); err != nil {
		return Batch{}, err
	}
	rv := env.Get("results")
	if !present(rv) {
		return Batch{}, api.FieldErrorf("results", "missing")
	}
	values, err := rv.Array()
	if err != nil {
		return Batch{}, api.FieldErrorf("results", "must be an array, not %s", rv.Type())
	}
	if rules.MaxResults > 0 && len(values) > rules.MaxResults {
		return Batch{}, api.FieldErrorf("results", "%d results in one batch; at most %d", len(values), rules.MaxResults)
	}
	b.Results = len(values)
	b.Items = slices.Grow(items[:0], len(values))
	var names targetNames
	for i, iv := range values {
		r, field, reason := decodeResult(iv, rules, &names)
		if reason != "" {
			b.Rejected = append(b.Rejected, probe.Rejection{Index: i, Seq: r.Seq, Field: field, Reason: reason})
			continue
		}
		b.Items = append(b.Items, Item{Index: i, Result: r})
	}
	return b, nil
}

// present reports whether a member exists and is not null: encoding/json
// read null into a pointer as absent, and agents relied on that.
func present(v *fastjson.Value) bool { return v != nil && v.Type() != fastjson.TypeNull }

// decodeAgent reads the agent status. Its numbers must be right (a batch
// with a wrong one is refused as before); its text fields are rejected by
// themselves and recorded as unknown.
func (b *Batch) decodeAgent(v *fastjson.Value) error {
	if !present(v) {
		return nil
	}
	o, err := v.Object()
	if err != nil {
		return api.FieldErrorf("agent", "must be an object, not %s", v.Type())
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"version", &b.Agent.Version}, {"os", &b.Agent.OS}, {"arch", &b.Agent.Arch}} {
		fv := o.Get(f.name)
		if !present(fv) {
			continue
		}
		s, reason := text(fv, MaxAgentText)
		if reason != "" {
			b.Rejected = append(b.Rejected, probe.Rejection{Index: -1, Field: "agent." + f.name, Reason: reason + "; recorded as unknown"})
			continue
		}
		*f.dst = s
	}
	var err2 error
	num := func(name string, get func(*fastjson.Value) error) {
		if fv := o.Get(name); err2 == nil && present(fv) {
			if err := get(fv); err != nil {
				err2 = api.FieldErrorf("agent."+name, "must be a whole number")
			}
		}
	}
	num("spool_depth", func(fv *fastjson.Value) (err error) { b.Agent.SpoolDepth, err = fv.Int64(); return })
	num("dropped", func(fv *fastjson.Value) (err error) { b.Agent.Dropped, err = fv.Uint64(); return })
	num("clock_offset_ms", func(fv *fastjson.Value) (err error) { b.Agent.ClockOffsetMS, err = fv.Int64(); return })
	if err2 != nil {
		return err2
	}
	if b.Agent.SpoolDepth < 0 {
		return api.FieldErrorf("agent.spool_depth", "must not be negative")
	}
	return nil
}

// text reads a JSON string for a text column: valid UTF-8, no NUL, at most
// limit bytes. It returns a reason when the value breaks one of these.
func text(v *fastjson.Value, limit int) (string, string) {
	b, err := v.StringBytes()
	if err != nil {
		return "", fmt.Sprintf("must be a string, not %s", v.Type())
	}
	switch {
	case len(b) > limit:
		return "", fmt.Sprintf("longer than %d bytes", limit)
	case !utf8.Valid(b):
		return "", "not valid UTF-8"
	case bytes.IndexByte(b, 0) >= 0:
		return "", "contains a NUL character"
	}
	// The bytes point into the parser's buffer, which is reused.
	return string(b), ""
}

// targetNames are the target names a batch has named so far, checked: a
// batch names few targets (an agent's rows alternate between them), so an
// item's name is looked up here rather than copied again.
type targetNames struct {
	names [8]string
	n     int // names held; the oldest is replaced when full
	next  int
}

// find returns the name equal to b, or "".
func (t *targetNames) find(b []byte) string {
	for _, s := range t.names[:t.n] {
		if string(b) == s {
			return s
		}
	}
	return ""
}

func (t *targetNames) add(s string) {
	if t.n < len(t.names) {
		t.names[t.n] = s
		t.n++
		return
	}
	t.names[t.next] = s
	t.next = (t.next + 1) % len(t.names)
}

// blank reports whether a target name is empty or only white space; a
// visible ASCII first byte says it is not without trimming.
func blank(s string) bool {
	if s != "" && s[0] > ' ' && s[0] < utf8.RuneSelf {
		return false
	}
	return strings.TrimSpace(s) == ""
}

// y2kAnyZone is past 2000-01-01 in every time zone: a time after it is in
// 2000 or later wherever its offset puts it (Year, in that zone, is slower).
var y2kAnyZone = time.Date(2000, 1, 2, 0, 0, 0, 0, time.UTC)

// decodeResult reads and checks one item. On failure it returns the
// offending field and a reason; the seq is returned whenever it could be
// read, so the agent can match the rejection.
func decodeResult(v *fastjson.Value, rules Rules, names *targetNames) (probe.Result, string, string) {
	var out probe.Result
	o, err := v.Object()
	if err != nil {
		return out, "item", fmt.Sprintf("not a JSON result object: %s", v.Type())
	}
	// One pass over the members (the first of a repeated name counts):
	// a Get per field scanned every member for each, absent ones too.
	var sv, tv, ov, okv, lv, localv, fv, dv, cv *fastjson.Value
	o.Visit(func(k []byte, v *fastjson.Value) {
		var dst **fastjson.Value
		switch string(k) {
		case "seq":
			dst = &sv
		case "target":
			dst = &tv
		case "observed_at":
			dst = &ov
		case "ok":
			dst = &okv
		case "latency_ms":
			dst = &lv
		case "local_at":
			dst = &localv
		case "failure":
			dst = &fv
		case "detail":
			dst = &dv
		case "cert_days_left":
			dst = &cv
		default:
			return
		}
		if *dst == nil {
			*dst = v
		}
	})
	if !present(sv) {
		return out, "seq", "missing"
	}
	seq, err := sv.Uint64()
	if err != nil || seq == 0 || seq > math.MaxInt64 {
		return out, "seq", "must be a whole number between 1 and 2^63-1"
	}
	out.Seq = seq
	if !present(tv) {
		return out, "target", "missing"
	}
	// A name the batch named before was checked then (only a name that
	// passed every check is kept).
	var target string
	if b, err := tv.StringBytes(); err == nil {
		target = names.find(b)
	}
	if target == "" {
		var reason string
		if target, reason = text(tv, MaxTarget); reason != "" {
			return out, "target", reason
		}
		if blank(target) {
			return out, "target", "missing"
		}
		names.add(target)
	}
	out.Target = target
	if !present(ov) {
		return out, "observed_at", "missing"
	}
	if !present(okv) {
		return out, "ok", "missing"
	}
	if !present(lv) {
		return out, "latency_ms", "missing"
	}
	if out.OK, err = okv.Bool(); err != nil {
		return out, "ok", fmt.Sprintf("must be true or false, not %s", okv.Type())
	}
	ob, err := ov.StringBytes()
	if err != nil {
		return out, "observed_at", fmt.Sprintf("must be an RFC 3339 time string, not %s", ov.Type())
	}
	at, err := time.Parse(time.RFC3339Nano, string(ob))
	if err != nil {
		return out, "observed_at", fmt.Sprintf("not an RFC 3339 time: %q", strings.ToValidUTF8(string(ob), "?"))
	}
	switch {
	case at.After(rules.Now.Add(rules.FutureTolerance)):
		return out, "observed_at", fmt.Sprintf("%s is more than %s ahead of the server's clock; check the office PC's clock", at.Format(time.RFC3339), rules.FutureTolerance)
	case at.Before(y2kAnyZone) && at.Year() < 2000:
		return out, "observed_at", fmt.Sprintf("%s is before the year 2000", at.Format(time.RFC3339))
	}
	// PostgreSQL keeps microseconds: truncating here makes a re-delivered
	// item compare equal to the stored one.
	out.ObservedAt = at.UTC().Truncate(time.Microsecond)
	if lv := localv; present(lv) {
		// The office PC's own clock, however wrong (a dead CMOS battery
		// says 1980): only its form is checked.
		lb, err := lv.StringBytes()
		if err != nil {
			return out, "local_at", fmt.Sprintf("must be an RFC 3339 time string, not %s", lv.Type())
		}
		local, err := time.Parse(time.RFC3339Nano, string(lb))
		if err != nil || local.Year() < 1970 || local.Year() > 9999 {
			return out, "local_at", fmt.Sprintf("not an RFC 3339 time between 1970 and 9999: %q", strings.ToValidUTF8(string(lb), "?"))
		}
		out.LocalAt = local.UTC().Truncate(time.Microsecond)
	}
	if present(fv) {
		f, reason := text(fv, 16)
		if reason != "" {
			return out, "failure", reason
		}
		out.Failure = probe.Failure(f)
	}
	switch {
	case !out.Failure.Valid():
		return out, "failure", fmt.Sprintf("%q is not one of dns, connect, tls, http, timeout", out.Failure)
	case out.OK && out.Failure != probe.FailNone:
		return out, "failure", "must be empty when ok is true"
	case !out.OK && out.Failure == probe.FailNone:
		return out, "failure", "missing: a failed result needs its class"
	}
	lat, err := lv.Float64()
	if err != nil || math.IsNaN(lat) || lat < 0 || lat > 3.6e6 {
		return out, "latency_ms", "must be a number between 0 and 3600000"
	}
	out.LatencyMS = lat
	if present(dv) {
		d, reason := text(dv, MaxDetail)
		if reason != "" {
			return out, "detail", reason
		}
		out.Detail = d
	}
	if present(cv) {
		c, err := cv.Int()
		if err != nil || c < -100000 || c > 100000 {
			return out, "cert_days_left", "must be a whole number between -100000 and 100000"
		}
		out.CertDaysLeft = &c
	}
	return out, "", ""
}
