// Package demo runs Pantau's live demonstration on loopback: a simulated
// central registry (and internet reference) that real probe agents check,
// which an operator can cut and restore for everyone, a province or an office.
package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Registry is the simulated central registry and internet reference. Every
// office checks its own path (/central/<office>, /internet/<office>), so a
// cut can be scoped: national, one province (the office code's first two
// digits), or one office.
type Registry struct {
	mu   sync.Mutex
	cuts map[Cut]bool
	srv  *http.Server
	ln   net.Listener
}

// Cut is one active cut: Link central or internet, Scope national, province
// or office, Code the province or office code (empty for national).
type Cut struct {
	Link  string `json:"link"`
	Scope string `json:"scope"`
	Code  string `json:"code,omitempty"`
}

// Validate names the first bad field.
func (c Cut) Validate() error {
	switch {
	case c.Link != "central" && c.Link != "internet":
		return fmt.Errorf("link: %q is neither central nor internet", c.Link)
	case c.Scope == "national" && c.Code != "":
		return fmt.Errorf("code: a national cut takes no code")
	case c.Scope == "province" && len(c.Code) != 2:
		return fmt.Errorf("code: %q is not a two-digit province code", c.Code)
	case c.Scope == "office" && (len(c.Code) != 5 || c.Code[2] != '.'):
		return fmt.Errorf("code: %q is not an office code such as 73.71", c.Code)
	case c.Scope != "national" && c.Scope != "province" && c.Scope != "office":
		return fmt.Errorf("scope: %q is not national, province or office", c.Scope)
	}
	return nil
}

// StartRegistry listens on addr (use 127.0.0.1:0) and serves until Close.
func StartRegistry(addr string) (*Registry, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("registry: listen: %w", err)
	}
	r := &Registry{cuts: map[Cut]bool{}, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /central/{office}", r.serveLink("central"))
	mux.HandleFunc("GET /internet/{office}", r.serveLink("internet"))
	mux.HandleFunc("POST /control/cut", r.control(true))
	mux.HandleFunc("POST /control/restore", r.control(false))
	mux.HandleFunc("GET /control/cuts", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, r.Cuts())
	})
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

// URL is the registry's base URL.
func (r *Registry) URL() string { return "http://" + r.ln.Addr().String() }

// Close stops the registry.
func (r *Registry) Close(ctx context.Context) error { return r.srv.Shutdown(ctx) }

// Set adds (cut true) or lifts a cut.
func (r *Registry) Set(c Cut, cut bool) error {
	if err := c.Validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cut {
		r.cuts[c] = true
	} else {
		delete(r.cuts, c)
	}
	return nil
}

// Cuts lists the active cuts in a stable order.
func (r *Registry) Cuts() []Cut {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Cut, 0, len(r.cuts))
	for c := range r.cuts {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return fmt.Sprint(out[i]) < fmt.Sprint(out[j]) })
	return out
}

// isCut tells whether link is cut for office.
func (r *Registry) isCut(link, office string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.cuts[Cut{Link: link, Scope: "national"}] ||
		r.cuts[Cut{Link: link, Scope: "province", Code: strings.SplitN(office, ".", 2)[0]}] ||
		r.cuts[Cut{Link: link, Scope: "office", Code: office}]
}

// serveLink answers a probe's check. A cut link drops the connection without
// an answer, as a firewall cut-off looks from the office.
func (r *Registry) serveLink(link string) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		office := req.PathValue("office")
		// An office that is offline reaches nothing, the registry included.
		if r.isCut(link, office) || (link == "central" && r.isCut("internet", office)) {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					conn.Close()
					return
				}
			}
			http.Error(w, "diputus", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "SIAK pusat OK untuk %s\n", office)
	}
}

func (r *Registry) control(cut bool) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		var c Cut
		if err := json.NewDecoder(req.Body).Decode(&c); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "body: " + err.Error()})
			return
		}
		if err := r.Set(c, cut); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		writeJSON(w, http.StatusOK, r.Cuts())
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Control asks a running registry at baseURL to cut or restore c.
func Control(ctx context.Context, baseURL string, c Cut, cut bool) ([]Cut, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	action := "restore"
	if cut {
		action = "cut"
	}
	body, _ := json.Marshal(c)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/control/"+action, strings.NewReader(string(body)))
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the demo's registry at %s (is `pantau demo` running?): %w", baseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var e map[string]string
		_ = json.NewDecoder(resp.Body).Decode(&e)
		return nil, errors.New(e["error"])
	}
	var cuts []Cut
	return cuts, json.NewDecoder(resp.Body).Decode(&cuts)
}

// ListCuts asks a running registry at baseURL for its active cuts.
func ListCuts(ctx context.Context, baseURL string) ([]Cut, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, baseURL+"/control/cuts", nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the demo's registry at %s (is `pantau demo` running?): %w", baseURL, err)
	}
	defer resp.Body.Close()
	var cuts []Cut
	return cuts, json.NewDecoder(resp.Body).Decode(&cuts)
}
