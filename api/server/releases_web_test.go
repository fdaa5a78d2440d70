package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe/release"
)

// releaseFiles is a release folder as make release writes it, signed by priv.
func releaseFiles(priv ed25519.PrivateKey, version string) map[string][]byte {
	files := map[string][]byte{
		release.BinaryName("linux", "amd64"):   []byte("linux program " + version),
		release.BinaryName("windows", "amd64"): []byte("windows program " + version),
		release.VersionFile:                    []byte(version + "\n"),
	}
	sums := release.Sums{}
	for name, b := range files {
		sums[name] = sha256.Sum256(b)
	}
	files[release.SumsFile] = sums.Marshal()
	files[release.SignatureFile] = release.Sign(priv, sums.Marshal())
	return files
}

// upload posts files to /admin/releases as user key, as the page's form
// does (multipart, field "files", the CSRF token unless csrf is false).
func (f *webFixture) upload(t *testing.T, key string, files map[string][]byte, csrf bool) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	if csrf {
		if err := mw.WriteField("csrf", f.sessions[key].csrf); err != nil {
			t.Fatal(err)
		}
	}
	for name, b := range files {
		w, err := mw.CreateFormFile("files", name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/admin/releases", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.AddCookie(&http.Cookie{Name: "pantau_session", Value: f.sessions[key].token})
	resp, err := f.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// The admin page uploads a signed release (checked against the release
// key), refuses a tampered or wrongly signed one, starts a rollout and
// shows each office's agent version and update state.
func TestAdminReleasesPage(t *testing.T) {
	t.Parallel()
	f := newWebFixture(t)
	ctx := context.Background()
	pub, priv, _ := ed25519.GenerateKey(nil)
	_, other, _ := ed25519.GenerateKey(nil)

	if resp, body := f.upload(t, "admin", releaseFiles(priv, "1.4.0"), true); resp.StatusCode != http.StatusBadRequest ||
		!strings.Contains(body, "belum ada kunci publik rilis") {
		t.Fatalf("upload without a key: %d %.300s", resp.StatusCode, body)
	}
	if err := f.store.SetReleasePublicKey(ctx, release.FormatPublicKey(pub)); err != nil {
		t.Fatal(err)
	}
	tampered := releaseFiles(priv, "1.4.0")
	tampered[release.BinaryName("linux", "amd64")] = []byte("evil program")
	unlisted := releaseFiles(priv, "1.4.0")
	unlisted[release.BinaryName("linux", "arm64")] = []byte("not in SHA256SUMS")
	noSig := releaseFiles(priv, "1.4.0")
	delete(noSig, release.SignatureFile)
	for name, files := range map[string]map[string][]byte{
		"tampered program": tampered, "signed with another key": releaseFiles(other, "1.4.0"),
		"unlisted program": unlisted, "no signature": noSig,
	} {
		resp, body := f.upload(t, "admin", files, true)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "ditolak") && !strings.Contains(body, "missing") {
			t.Errorf("%s: %d %.300s", name, resp.StatusCode, body)
		}
	}
	if resp, _ := f.upload(t, "admin", releaseFiles(priv, "1.4.0"), false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload without the CSRF token: %d", resp.StatusCode)
	}
	if resp, _ := f.upload(t, "national", releaseFiles(priv, "1.4.0"), true); resp.StatusCode != http.StatusForbidden {
		t.Errorf("upload by a national operator: %d", resp.StatusCode)
	}
	if rels, err := f.store.AgentReleases(ctx); err != nil || len(rels) != 0 {
		t.Fatalf("refused uploads stored %d releases (%v)", len(rels), err)
	}

	resp, body := f.upload(t, "admin", releaseFiles(priv, "1.4.0"), true)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, "Rilis 1.4.0 ✓ (linux/amd64, windows/amd64)") {
		t.Fatalf("upload: %d %.500s", resp.StatusCode, body)
	}
	if resp, body := f.upload(t, "admin", releaseFiles(priv, "1.4.0"), true); resp.StatusCode != http.StatusConflict {
		t.Errorf("the same version again: %d %.300s", resp.StatusCode, body)
	}

	// Two probes: one in 73.71 on 1.3.0, one in 76.01 on 1.3.0 too.
	for _, office := range []string{"73.71", "76.01"} {
		p, _, err := f.store.CreateProbe(ctx, office, "pc-"+office)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.store.Pool().Exec(ctx, `UPDATE probes SET agent_version = '1.3.0', agent_os = 'windows', agent_arch = 'amd64'
			WHERE office_code = $1 AND id = $2`, office, p.ID); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []url.Values{
		{"version": {"1.4.0"}, "scope": {"all"}, "share": {"abc"}},
		{"version": {"1.4.0"}, "scope": {"all"}, "share": {"0"}},
		{"version": {"9.9.9"}, "scope": {"all"}},
		{"version": {"1.4.0"}, "scope": {"province"}, "province": {"99"}},
		{"version": {"1.4.0"}, "scope": {"offices"}, "offices": {"73.71, 99.99"}},
		{"version": {"1.4.0"}, "scope": {"planet"}},
	} {
		if resp, body := f.do(t, "admin", http.MethodPost, "/admin/releases/rollout", bad, false); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("rollout %v: %d %.300s", bad, resp.StatusCode, body)
		}
	}
	resp, body = f.do(t, "admin", http.MethodPost, "/admin/releases/rollout",
		url.Values{"version": {"v1.4.0"}, "scope": {"offices"}, "offices": {"73.71, 73.72"}, "share": {"100"}}, false)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(body, "Peluncuran #1: Rilis 1.4.0 → kantor 73.71, 73.72, 100%") {
		t.Fatalf("rollout: %d %.500s", resp.StatusCode, body)
	}
	r, err := f.store.CurrentRollout(ctx)
	if err != nil || r == nil || r.Scope != api.RolloutOffices || len(r.OfficeCodes) != 2 || r.SharePct != 100 {
		t.Fatalf("rollout in force: %+v %v", r, err)
	}
	_, page := f.do(t, "admin", http.MethodGet, "/admin", nil, false)
	for _, want := range []string{
		"Pembaruan agen", `id="release-list"`, "<td>1.4.0</td>", "linux/amd64, windows/amd64",
		"<td>1.3.0</td><td>2</td><td>2</td>", // two offices, two probes on 1.3.0
		"ditawarkan (1.4.0)",                 // 73.71's probe: in scope
		`enctype="multipart/form-data"`, `name="csrf"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("admin page lacks %q", want)
		}
	}
	if strings.Count(page, "ditawarkan (1.4.0)") != 1 {
		t.Errorf("76.01 is outside the rollout, yet offered: %d offers", strings.Count(page, "ditawarkan (1.4.0)"))
	}
	// Not for anyone else.
	if resp, _ := f.do(t, "national", http.MethodPost, "/admin/releases/rollout", url.Values{"version": {"1.4.0"}, "scope": {"all"}}, false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("rollout by a national operator: %d", resp.StatusCode)
	}
}
