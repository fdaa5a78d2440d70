package ingest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe"
)

var testRules = Rules{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), FutureTolerance: 15 * time.Minute, MaxResults: 5000}

func TestDecodeRejectsItemsByThemselves(t *testing.T) {
	t.Parallel()
	item := func(fields string) string {
		return `{"seq":7,"target":"central","observed_at":"2026-11-30T10:00:00.1234567Z","ok":true,"latency_ms":12.5` + fields + `}`
	}
	tests := []struct {
		name   string
		item   string
		field  string
		reason string
	}{
		{"valid", item(``), "", ""},
		{"detail with NUL", item(`,"detail":"a\u0000b"`), "detail", "NUL"},
		{"detail with invalid UTF-8", item(",\"detail\":\"a\xffb\""), "detail", "UTF-8"},
		{"detail too long", item(`,"detail":"` + strings.Repeat("x", MaxDetail+1) + `"`), "detail", "longer"},
		{"seq missing", `{"target":"central","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "seq", "missing"},
		{"seq null", `{"seq":null,"target":"central","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "seq", "missing"},
		{"seq a string", `{"seq":"7","target":"central","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "seq", "whole number"},
		{"seq zero", `{"seq":0,"target":"central","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "seq", "between"},
		{"seq fraction", `{"seq":1.5,"target":"central","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "seq", "whole number"},
		{"seq too big", `{"seq":9223372036854775808,"target":"central","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "seq", "between"},
		{"target blank", `{"seq":1,"target":"  ","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "target", "missing"},
		{"target with NUL", `{"seq":1,"target":"c\u0000","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}`, "target", "NUL"},
		{"observed_at not a time", `{"seq":1,"target":"c","observed_at":"yesterday","ok":true,"latency_ms":1}`, "observed_at", "RFC 3339"},
		{"observed_at a number", `{"seq":1,"target":"c","observed_at":5,"ok":true,"latency_ms":1}`, "observed_at", "string"},
		{"observed_at in the future", `{"seq":1,"target":"c","observed_at":"2026-12-01T00:16:00Z","ok":true,"latency_ms":1}`, "observed_at", "ahead"},
		{"observed_at before 2000", `{"seq":1,"target":"c","observed_at":"1999-12-31T23:00:00Z","ok":true,"latency_ms":1}`, "observed_at", "2000"},
		{"ok a string", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":"yes","latency_ms":1}`, "ok", "true or false"},
		{"failure unknown", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":false,"failure":"boom","latency_ms":1}`, "failure", "not one of"},
		{"failure on success", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":true,"failure":"dns","latency_ms":1}`, "failure", "empty"},
		{"failure missing", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":false,"latency_ms":1}`, "failure", "missing"},
		{"latency negative", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":-1}`, "latency_ms", "between"},
		{"latency NaN", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":NaN}`, "latency_ms", "between"},
		{"latency Inf", `{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1e400}`, "latency_ms", "between"},
		{"cert days fraction", item(`,"cert_days_left":1.5`), "cert_days_left", "whole number"},
		{"local_at any year the PC believes", item(`,"local_at":"1980-01-01T00:00:00Z"`), "", ""},
		{"local_at not a time", item(`,"local_at":"yesterday"`), "local_at", "RFC 3339"},
		{"local_at a number", item(`,"local_at":5`), "local_at", "string"},
		{"not an object", `7`, "item", "not a JSON result object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d Decoder
			body := `{"agent":{"version":"1.2.0"},"results":[` + tc.item + `,` + item(``) + `]}`
			b, err := d.Decode([]byte(body), testRules)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if b.Results != 2 {
				t.Fatalf("results %d, want 2", b.Results)
			}
			if tc.field == "" {
				if len(b.Rejected) != 0 || len(b.Items) != 2 {
					t.Fatalf("rejected %+v", b.Rejected)
				}
				got := b.Items[0].Result
				want := time.Date(2026, 11, 30, 10, 0, 0, 123456000, time.UTC)
				if got.Seq != 7 || got.Target != "central" || !got.ObservedAt.Equal(want) || !got.OK || got.LatencyMS != 12.5 {
					t.Fatalf("decoded %+v", got)
				}
				return
			}
			if len(b.Rejected) != 1 || len(b.Items) != 1 || b.Items[0].Index != 1 {
				t.Fatalf("want the first item rejected and the second kept: rejected %+v, items %d", b.Rejected, len(b.Items))
			}
			rj := b.Rejected[0]
			if rj.Index != 0 || rj.Field != tc.field || !strings.Contains(rj.Reason, tc.reason) {
				t.Fatalf("rejection %+v, want field %s with %q", rj, tc.field, tc.reason)
			}
		})
	}
}

func TestDecodeAgentTextRejectedAlone(t *testing.T) {
	t.Parallel()
	var d Decoder
	body := `{"agent":{"version":"1.\u00000","os":"linux","arch":"` + strings.Repeat("a", MaxAgentText+1) + `","spool_depth":3},"results":[` +
		`{"seq":1,"target":"c","observed_at":"2026-11-30T10:00:00Z","ok":true,"latency_ms":1}]}`
	b, err := d.Decode([]byte(body), testRules)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(b.Items) != 1 || b.Agent.Version != "" || b.Agent.OS != "linux" || b.Agent.Arch != "" || b.Agent.SpoolDepth != 3 {
		t.Fatalf("batch %+v", b)
	}
	if len(b.Rejected) != 2 || b.Rejected[0].Field != "agent.version" || b.Rejected[0].Index != -1 || b.Rejected[1].Field != "agent.arch" {
		t.Fatalf("rejected %+v", b.Rejected)
	}
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body, field string
	}{
		{"not JSON", `{"results":[`, "body"},
		{"trailing data", `{"results":[]} x`, "body"},
		{"array", `[]`, "body"},
		{"results missing", `{"agent":{}}`, "results"},
		{"results null", `{"results":null}`, "results"},
		{"results an object", `{"results":{}}`, "results"},
		{"agent a string", `{"agent":"x","results":[]}`, "agent"},
		{"spool depth negative", `{"agent":{"spool_depth":-1},"results":[]}`, "agent.spool_depth"},
		{"spool depth a string", `{"agent":{"spool_depth":"1"},"results":[]}`, "agent.spool_depth"},
		{"office with NUL", `{"office":"73.71\u0000","results":[]}`, "office"},
		{"too many", `{"results":[1,2,3]}`, "results"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var d Decoder
			rules := testRules
			rules.MaxResults = 2
			_, err := d.Decode([]byte(tc.body), rules)
			if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
				t.Fatalf("error %v, want invalid %s", err, tc.field)
			}
		})
	}
}

// TestDecodeCopiesText checks decoded text does not point into the parser's
// reused buffer: a second body must not change the first batch's strings.
func TestDecodeCopiesText(t *testing.T) {
	t.Parallel()
	var d Decoder
	one := `{"office":"73.71","agent":{"version":"1.0.0"},"results":[{"seq":1,"target":"central","observed_at":"2026-11-30T10:00:00Z","ok":false,"failure":"dns","latency_ms":1,"detail":"first"}]}`
	two := `{"office":"99.99","agent":{"version":"9.9.9"},"results":[{"seq":2,"target":"zzzzzzz","observed_at":"2026-11-30T10:00:00Z","ok":false,"failure":"tls","latency_ms":1,"detail":"SECOND"}]}`
	a, err := d.Decode([]byte(one), testRules)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Decode([]byte(two), testRules); err != nil {
		t.Fatal(err)
	}
	r := a.Items[0].Result
	if a.Office != "73.71" || a.Agent.Version != "1.0.0" || r.Target != "central" || r.Detail != "first" || r.Failure != probe.FailDNS {
		t.Fatalf("first batch changed: %+v %+v", a, r)
	}
}

// TestDecodeIntoReusesItems: a batch decoded into the slice of an earlier,
// larger one holds exactly its own items, as Decode gives them; target
// names repeated among several are the checked ones.
func TestDecodeIntoReusesItems(t *testing.T) {
	rules := Rules{Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), FutureTolerance: time.Minute}
	body := func(n int, targets ...string) []byte {
		var b strings.Builder
		b.WriteString(`{"results":[`)
		for i := range n {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"seq":%d,"target":"%s","observed_at":"2026-11-30T00:00:%02dZ","ok":true,"latency_ms":1.5}`, i+1, targets[i%len(targets)], i%60)
		}
		b.WriteString(`]}`)
		return []byte(b.String())
	}
	var d Decoder
	big, err := d.Decode(body(50, "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"), rules)
	if err != nil {
		t.Fatal(err)
	}
	small := body(7, "central", " ", "internet", "central", `x\u0000`)
	got, err := d.DecodeInto(small, rules, big.Items)
	if err != nil {
		t.Fatal(err)
	}
	want, err := d.Decode(small, rules)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeInto:\n%+v\nDecode:\n%+v", got, want)
	}
	if len(got.Items) != 4 || len(got.Rejected) != 3 {
		t.Fatalf("%d items, %d rejected; want 4 and 3: %+v", len(got.Items), len(got.Rejected), got)
	}
}
