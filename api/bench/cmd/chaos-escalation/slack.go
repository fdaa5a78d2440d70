package main

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// slackAPI is a stand-in for Slack's Web API, written apart from the unit
// tests' fake so the two cannot share a mistake: chat.postMessage,
// chat.update, conversations.history and .replies, users.info. It keeps
// every message with its idempotency key (message metadata) and answers
// with the faults a scenario sets: 500s, a 429 storm, hung calls, replies
// dropped after the post was taken.
type slackAPI struct {
	srv *http.Server
	ln  net.Listener

	mu    sync.Mutex
	seq   int
	posts []slackPost
	calls int
	// Faults.
	down      bool            // every call answers 500
	storm     float64         // share of calls answered 429 Retry-After: 1
	hangPosts map[string]int  // channel → posts still to hang (never answered, not taken)
	dropPosts map[string]int  // channel → posts to take and then drop the connection without an answer
	hung      chan struct{}   // closed when a post starts hanging or is dropped
	stormHits int             // 429s answered
	inPause   map[string]bool // method family paused by a 429 we sent, from pauseStart to pauseEnd
	pauseFrom time.Time
	pauseEnd  time.Time
	// early counts calls of a paused family that began more than
	// pauseGrace after the 429 and before its Retry-After ended: calls
	// claimed before the 429 was answered are in flight, not early.
	early int
}

// slackPost is one message Slack took.
type slackPost struct {
	Channel, TS, ThreadTS, Key, Text string
	At                               time.Time
}

// pauseGrace is how long after a 429 a call may still be one claimed
// before the pause was known.
const pauseGrace = 250 * time.Millisecond

func newSlackAPI() (*slackAPI, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake slack: %w", err)
	}
	s := &slackAPI{ln: ln, hangPosts: map[string]int{}, dropPosts: map[string]int{}, hung: make(chan struct{}), inPause: map[string]bool{}}
	s.srv = &http.Server{Handler: http.HandlerFunc(s.serve), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

func (s *slackAPI) URL() string { return "http://" + s.ln.Addr().String() + "/" }

func (s *slackAPI) Close() { _ = s.srv.Close() }

func (s *slackAPI) set(f func(s *slackAPI)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f(s)
}

func (s *slackAPI) Posts() []slackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]slackPost(nil), s.posts...)
}

func (s *slackAPI) reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *slackAPI) serve(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/")
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	family, _, _ := strings.Cut(method, ".")
	s.mu.Lock()
	s.calls++
	now := time.Now()
	if s.inPause[family] && now.After(s.pauseFrom.Add(pauseGrace)) && now.Before(s.pauseEnd) {
		s.early++
	}
	switch {
	case s.down:
		s.mu.Unlock()
		http.Error(w, "<html>down</html>", http.StatusInternalServerError)
		return
	case s.storm > 0 && rand.Float64() < s.storm:
		s.stormHits++
		s.inPause[family] = true
		s.pauseFrom, s.pauseEnd = now, now.Add(time.Second)
		s.mu.Unlock()
		w.Header().Set("Retry-After", "1")
		http.Error(w, "rate limited", http.StatusTooManyRequests)
		return
	}
	ch := r.Form.Get("channel")
	if method == "chat.postMessage" && s.hangPosts[ch] > 0 {
		s.hangPosts[ch]--
		s.signalHungLocked()
		s.mu.Unlock()
		<-r.Context().Done() // the client's deadline, or the process dies
		return
	}
	switch method {
	case "chat.postMessage":
		p := s.postLocked(r, now)
		if s.dropPosts[ch] > 0 {
			s.dropPosts[ch]--
			s.signalHungLocked()
			s.mu.Unlock()
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close() // taken, never answered
				}
			}
			return
		}
		s.mu.Unlock()
		s.reply(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
	case "chat.update":
		ts := r.Form.Get("ts")
		found := false
		for i := range s.posts {
			if s.posts[i].Channel == ch && s.posts[i].TS == ts {
				s.posts[i].Text, found = r.Form.Get("text"), true
			}
		}
		s.mu.Unlock()
		if !found {
			s.reply(w, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
		s.reply(w, map[string]any{"ok": true, "channel": ch, "ts": ts})
	case "conversations.history", "conversations.replies":
		thread := r.Form.Get("ts")
		var msgs []map[string]any
		for _, p := range s.posts {
			if p.Channel != ch || (method == "conversations.history") != (p.ThreadTS == "") ||
				(thread != "" && p.ThreadTS != thread && p.TS != thread) {
				continue
			}
			m := map[string]any{"type": "message", "ts": p.TS, "text": p.Text}
			if p.ThreadTS != "" {
				m["thread_ts"] = p.ThreadTS
			}
			if p.Key != "" && r.Form.Get("include_all_metadata") != "" {
				m["metadata"] = map[string]any{"event_type": "pantau_outbox", "event_payload": map[string]any{"idem_key": p.Key}}
			}
			msgs = append(msgs, m)
		}
		s.mu.Unlock()
		s.reply(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
	case "users.info":
		s.mu.Unlock()
		u := r.Form.Get("user")
		s.reply(w, map[string]any{"ok": true, "user": map[string]any{"id": u, "profile": map[string]any{"display_name": "Petugas " + u}}})
	default:
		s.mu.Unlock()
		s.reply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func (s *slackAPI) signalHungLocked() {
	select {
	case <-s.hung:
	default:
		close(s.hung)
	}
}

func (s *slackAPI) postLocked(r *http.Request, now time.Time) slackPost {
	s.seq++
	p := slackPost{Channel: r.Form.Get("channel"), TS: fmt.Sprintf("%d.%06d", now.Unix(), s.seq),
		ThreadTS: r.Form.Get("thread_ts"), Text: r.Form.Get("text"), At: now}
	var meta struct {
		EventPayload map[string]any `json:"event_payload"`
	}
	if json.Unmarshal([]byte(r.Form.Get("metadata")), &meta) == nil {
		p.Key, _ = meta.EventPayload["idem_key"].(string)
	}
	s.posts = append(s.posts, p)
	return p
}
