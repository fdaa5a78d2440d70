package escalate

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSlack is a local Slack Web API: chat.postMessage, chat.update,
// conversations.history and conversations.replies, recording every call. It
// can be told to answer a method with 500, 429 + Retry-After, or to hang
// (after accepting the post, or before).
type fakeSlack struct {
	srv     *httptest.Server
	mu      sync.Mutex
	posts   []fakeMsg
	updates []fakeMsg
	calls   []string
	faults  map[string][]fault
	changed chan struct{}
	release chan struct{}
	seq     int
	names   map[string]string   // users.info: user ID → display name
	onCall  func(method string) // if set, run (outside the lock) before each answer
}

type fakeMsg struct {
	Channel, TS, ThreadTS, Text, Blocks, Key string
}

type fault struct {
	status     int    // 500, 429…; 0 when hanging
	retryAfter string // for 429
	hang       bool   // never answer (until the client gives up)
	accept     bool   // with hang on chat.postMessage: record the post first
}

func newFakeSlack(t testing.TB) *fakeSlack {
	f := &fakeSlack{faults: map[string][]fault{}, changed: make(chan struct{}), release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(func() { close(f.release); f.srv.Close() })
	return f
}

// URL is the base for slack.OptionAPIURL.
func (f *fakeSlack) URL() string { return f.srv.URL + "/" }

// fail queues faults for method, used by its next calls in order.
func (f *fakeSlack) fail(method string, fs ...fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], fs...)
}

func (f *fakeSlack) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// waitFor blocks until cond holds (checked under the lock after every
// call), failing the test after 20 s.
func (f *fakeSlack) waitFor(t testing.TB, what string, cond func(*fakeSlack) bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		f.mu.Lock()
		ok, ch := cond(f), f.changed
		f.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-ch:
		case <-deadline:
			t.Fatalf("fake slack: timed out waiting for %s; calls %v", what, f.Calls())
		}
	}
}

// Posts returns the accepted posts; Calls the methods called, in order.
func (f *fakeSlack) Posts() []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMsg(nil), f.posts...)
}

func (f *fakeSlack) Updates() []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMsg(nil), f.updates...)
}

func (f *fakeSlack) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *fakeSlack) count(method string) int {
	n := 0
	for _, c := range f.Calls() {
		if c == method {
			n++
		}
	}
	return n
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/")
	if f.onCall != nil {
		f.onCall(method)
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.calls = append(f.calls, method)
	var ft *fault
	if q := f.faults[method]; len(q) > 0 {
		ft, f.faults[method] = &q[0], q[1:]
	}
	if ft != nil && ft.hang {
		if ft.accept && method == "chat.postMessage" {
			f.postLocked(r)
		}
		f.notifyLocked()
		f.mu.Unlock()
		select {
		case <-r.Context().Done():
		case <-f.release:
		}
		return
	}
	defer f.mu.Unlock()
	defer f.notifyLocked()
	if ft != nil {
		if ft.retryAfter != "" {
			w.Header().Set("Retry-After", ft.retryAfter)
		}
		w.WriteHeader(ft.status)
		fmt.Fprint(w, "<html>fault</html>")
		return
	}
	var resp any
	switch method {
	case "chat.postMessage":
		m := f.postLocked(r)
		resp = map[string]any{"ok": true, "channel": m.Channel, "ts": m.TS, "message": f.wire(m)}
	case "chat.update":
		resp = f.updateLocked(r)
	case "conversations.history":
		resp = f.listLocked(r, func(m fakeMsg) bool { return m.ThreadTS == "" })
	case "users.info":
		u := r.Form.Get("user")
		resp = map[string]any{"ok": true, "user": map[string]any{"id": u, "name": strings.ToLower(u),
			"profile": map[string]any{"display_name": f.names[u], "real_name": "Real " + u}}}
	case "conversations.replies":
		ts := r.Form.Get("ts")
		resp = f.listLocked(r, func(m fakeMsg) bool { return m.TS == ts || m.ThreadTS == ts })
	default:
		resp = map[string]any{"ok": false, "error": "unknown_method"}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(resp)
}

func (f *fakeSlack) postLocked(r *http.Request) fakeMsg {
	f.seq++
	m := fakeMsg{Channel: r.Form.Get("channel"), TS: fmt.Sprintf("%d.%06d", time.Now().Unix(), f.seq),
		ThreadTS: r.Form.Get("thread_ts"), Text: r.Form.Get("text"), Blocks: r.Form.Get("blocks")}
	var meta struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if json.Unmarshal([]byte(r.Form.Get("metadata")), &meta) == nil && meta.EventType == metaEventType {
		m.Key, _ = meta.EventPayload["idem_key"].(string)
	}
	f.posts = append(f.posts, m)
	return m
}

func (f *fakeSlack) updateLocked(r *http.Request) any {
	ch, ts := r.Form.Get("channel"), r.Form.Get("ts")
	for i, m := range f.posts {
		if m.Channel == ch && m.TS == ts {
			f.posts[i].Text, f.posts[i].Blocks = r.Form.Get("text"), r.Form.Get("blocks")
			f.updates = append(f.updates, f.posts[i])
			return map[string]any{"ok": true, "channel": ch, "ts": ts, "text": m.Text}
		}
	}
	return map[string]any{"ok": false, "error": "message_not_found"}
}

func (f *fakeSlack) listLocked(r *http.Request, keep func(fakeMsg) bool) any {
	ch, oldest := r.Form.Get("channel"), r.Form.Get("oldest")
	var out []any
	for _, m := range f.posts {
		if m.Channel == ch && keep(m) && (oldest == "" || m.TS >= oldest) {
			w := f.wire(m)
			if r.Form.Get("include_all_metadata") != "1" {
				delete(w, "metadata") // as Slack: metadata only when asked for
			}
			out = append(out, w)
		}
	}
	return map[string]any{"ok": true, "messages": out, "has_more": false}
}

func (f *fakeSlack) wire(m fakeMsg) map[string]any {
	w := map[string]any{"type": "message", "ts": m.TS, "text": m.Text}
	if m.ThreadTS != "" {
		w["thread_ts"] = m.ThreadTS
	}
	if m.Key != "" {
		w["metadata"] = map[string]any{"event_type": metaEventType, "event_payload": map[string]any{"idem_key": m.Key}}
	}
	return w
}
