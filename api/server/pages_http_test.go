package server_test

import (
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawGet fetches a path with the given headers and no transparent
// decompression, so the test sees the bytes on the wire.
func (f *webFixture) rawGet(t *testing.T, key, path string, header map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if sess, ok := f.sessions[key]; ok {
		req.AddCookie(&http.Cookie{Name: "pantau_session", Value: sess.token})
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func gunzip(t *testing.T, b []byte) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(string(b)))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return string(out)
}

func TestUnknownURLIsStyledIndonesian404(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	for _, c := range []struct{ user, path, want string }{
		{"", "/tidak-ada", "Halaman tidak ditemukan."},
		{"national", "/offices/73.71/tidak-ada", "Halaman tidak ditemukan."},
		{"national", "/tidak-ada?lang=en", "Page not found."},
	} {
		resp, body := f.rawGet(t, c.user, c.path, map[string]string{"Accept": "text/html"})
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: status %d", c.path, resp.StatusCode)
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: Content-Type %q, want the HTML page", c.path, ct)
		}
		if s := string(body); !strings.Contains(s, c.want) || !strings.Contains(s, "pantau.css") || strings.Contains(s, "404 page not found") {
			t.Errorf("%s: not the styled page with %q:\n%.400s", c.path, c.want, s)
		}
	}
	resp, body := f.rawGet(t, "national", "/api/v1/tidak-ada", nil)
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || json.Unmarshal(body, &e) != nil {
		t.Errorf("/api/ unknown: %d %s %s, want JSON 404", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
}

func TestPagesAndAssetsCompressedAndCached(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	gz := map[string]string{"Accept-Encoding": "gzip, br"}

	// A page and the board's JSON: gzipped on request, plain otherwise.
	for _, path := range []string{"/", "/api/v1/board"} {
		resp, body := f.rawGet(t, "national", path, gz)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: %d, Content-Encoding %q, Vary %q", path, resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Vary"))
		}
		if plain := gunzip(t, body); !strings.Contains(plain, "Kota Makassar") {
			t.Errorf("%s: the gzipped body lacks Kota Makassar", path)
		}
		resp, body = f.rawGet(t, "national", path, map[string]string{"Accept-Encoding": "gzip;q=0, identity"})
		if resp.Header.Get("Content-Encoding") != "" || !strings.Contains(string(body), "Kota Makassar") {
			t.Errorf("%s with gzip refused: Content-Encoding %q", path, resp.Header.Get("Content-Encoding"))
		}
	}

	// The stylesheet: linked with its hash, kept a year under that link,
	// gzipped once at start, revalidated by ETag under a bare link.
	_, page := f.rawGet(t, "national", "/", nil)
	i := strings.Index(string(page), "/static/pantau.css?v=")
	if i < 0 {
		t.Fatalf("the page links the stylesheet without its hash")
	}
	link := string(page[i:])
	link = link[:strings.IndexByte(link, '"')]
	resp, body := f.rawGet(t, "", link, gz)
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/css") {
		t.Errorf("%s: %v", link, resp.Header)
	}
	if css := gunzip(t, body); !strings.Contains(css, "--up:") {
		t.Errorf("%s: not the stylesheet", link)
	}
	resp, _ = f.rawGet(t, "", "/static/pantau.css", nil)
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Content-Encoding") != "" || strings.Contains(resp.Header.Get("Cache-Control"), "max-age=31536000") {
		t.Errorf("bare stylesheet link: %v", resp.Header)
	}
	if resp, body := f.rawGet(t, "", "/static/pantau.css", map[string]string{"If-None-Match": etag}); resp.StatusCode != http.StatusNotModified || len(body) != 0 {
		t.Errorf("revalidation with the ETag: %d, %d bytes", resp.StatusCode, len(body))
	}
	// ECharts carries its version in its path: kept a year, gzipped.
	resp, body = f.rawGet(t, "", "/static/echarts/5.6.0/echarts.min.js", gz)
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(body) > 500_000 {
		t.Errorf("echarts: %d bytes, %v", len(body), resp.Header)
	}
	// Already compressed bodies are not compressed again.
	resp, body = f.rawGet(t, "national", "/reports/offices/73.71/xlsx", gz)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "" || !strings.HasPrefix(string(body), "PK") {
		t.Errorf("xlsx: %d, Content-Encoding %q, starts %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), body[:min(4, len(body))])
	}
	if resp, _ := f.rawGet(t, "", "/static/tidak-ada.js", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown static file: %d", resp.StatusCode)
	}
}
