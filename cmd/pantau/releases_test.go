package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/probe/release"
)

// writeRelease writes a release folder as make release does, signed by priv.
func writeRelease(t *testing.T, priv ed25519.PrivateKey, version string, programs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	sums := release.Sums{}
	for name, content := range programs {
		sums[name] = sha256.Sum256([]byte(content))
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string][]byte{release.VersionFile: []byte(version + "\n"), release.SumsFile: sums.Marshal(), release.SignatureFile: release.Sign(priv, sums.Marshal())}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestAdminUploadReleaseChecksThenRollsOut(t *testing.T) {
	url := pgtest.URL(t)
	if out, err := pantau(t, url, "import", "regions"); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	linux, windows := release.BinaryName("linux", "amd64"), release.BinaryName("windows", "amd64")
	good := writeRelease(t, priv, "1.3.0", map[string]string{linux: "linux program", windows: "windows program"})

	if out, err := pantau(t, url, "admin", "upload-release", good); err == nil || !strings.Contains(err.Error(), "set-release-key") {
		t.Fatalf("upload without a key: %v\n%s", err, out)
	}
	keyFile := filepath.Join(t.TempDir(), "release.pub")
	os.WriteFile(keyFile, []byte(release.FormatPublicKey(pub)+"\n"), 0o644)
	if out, err := pantau(t, url, "admin", "set-release-key", keyFile); err != nil {
		t.Fatalf("set-release-key: %v\n%s", err, out)
	}

	forged := writeRelease(t, other, "1.3.0", map[string]string{linux: "linux program"})
	if _, err := pantau(t, url, "admin", "upload-release", forged); !errors.Is(err, release.ErrBadSignature) {
		t.Fatalf("release signed by another key: %v", err)
	}
	tampered := writeRelease(t, priv, "1.3.0", map[string]string{linux: "linux program", windows: "windows program"})
	os.WriteFile(filepath.Join(tampered, windows), []byte("windows program, changed"), 0o755)
	if _, err := pantau(t, url, "admin", "upload-release", tampered); !errors.Is(err, release.ErrBadChecksum) {
		t.Fatalf("release with a changed program: %v", err)
	}
	unlisted := writeRelease(t, priv, "1.3.0", map[string]string{linux: "linux program"})
	os.WriteFile(filepath.Join(unlisted, windows), []byte("windows program"), 0o755)
	if _, err := pantau(t, url, "admin", "upload-release", unlisted); !errors.Is(err, release.ErrNotListed) {
		t.Fatalf("release with an unlisted program: %v", err)
	}
	if out, _ := pantau(t, url, "admin", "list-releases"); strings.Contains(out, "1.3.0") {
		t.Fatalf("a refused release was stored:\n%s", out)
	}

	if out, err := pantau(t, url, "admin", "upload-release", good); err != nil || !strings.Contains(out, "release 1.3.0 stored") {
		t.Fatalf("upload: %v\n%s", err, out)
	}
	if out, err := pantau(t, url, "admin", "rollout", "-province", "99", "1.3.0"); err == nil {
		t.Fatalf("rollout to an unknown province: %s", out)
	}
	if out, err := pantau(t, url, "admin", "rollout", "-offices", "73.71", "-share", "100", "1.3.0"); err != nil {
		t.Fatalf("rollout: %v\n%s", err, out)
	}
	for _, office := range []string{"73.71", "73.72"} {
		if out, err := pantau(t, url, "admin", "add-probe", "-office", office, "-name", "pc"); err != nil {
			t.Fatalf("add-probe: %v\n%s", err, out)
		}
	}
	out, err := pantau(t, url, "admin", "list-probes")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		offered := strings.Contains(line, "offered 1.3.0")
		if strings.Contains(line, "73.71") != offered {
			t.Fatalf("list-probes: only 73.71 should be offered 1.3.0:\n%s", out)
		}
	}
	if out, _ := pantau(t, url, "admin", "list-releases"); !strings.Contains(out, "offices 73.71, 100%") || !strings.Contains(out, "windows/amd64") {
		t.Fatalf("list-releases:\n%s", out)
	}
}

// A wrong argument count is named before any database is opened: with a
// database that does not answer, the answer is the usage, at once.
func TestAdminArgCountBeforeStore(t *testing.T) {
	nowhere := "postgres://pantau@127.0.0.1:1/nowhere?connect_timeout=1"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"admin", "rollout"}, "rollout: give one VERSION"},
		{[]string{"admin", "rollout", "1.2.0", "1.3.0"}, "rollout: give one VERSION"},
		{[]string{"admin", "upload-release"}, "upload-release: give one release folder DIR"},
		{[]string{"admin", "set-release-key"}, "set-release-key: give one KEY or FILE"},
		{[]string{"admin", "set-min-agent-version"}, "set-min-agent-version: give one VERSION"},
		{[]string{"admin", "list-probes", "extra"}, `admin list-probes: unexpected argument "extra"`},
		{[]string{"admin", "list-releases", "extra"}, `unexpected argument "extra"`},
	} {
		_, err := pantau(t, nowhere, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
