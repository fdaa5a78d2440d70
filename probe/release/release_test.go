package release

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"
	"testing"
)

// testRelease signs a two-file release with a fresh key.
func testRelease(t *testing.T) (pub ed25519.PublicKey, priv ed25519.PrivateKey, sums, sig []byte, files map[string][]byte) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	files = map[string][]byte{
		BinaryName("linux", "amd64"):   []byte("\x7fELF agent 1.4.0"),
		BinaryName("windows", "amd64"): []byte("MZ agent 1.4.0"),
		VersionFile:                    []byte("1.4.0\n"),
	}
	s := Sums{}
	for n, b := range files {
		s[n] = sha256.Sum256(b)
	}
	sums = s.Marshal()
	return pub, priv, sums, Sign(priv, sums), files
}

func TestVerify(t *testing.T) {
	t.Parallel()
	pub, _, sums, sig, files := testRelease(t)
	other, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	win := BinaryName("windows", "amd64")
	tampered := bytes.Replace(sums, []byte("pantau-probe-linux"), []byte("pantau-probe-linuX"), 1)
	tests := []struct {
		name    string
		pub     ed25519.PublicKey
		sums    []byte
		sig     []byte
		file    string
		content []byte
		want    error // nil: verifies
	}{
		{"good release", pub, sums, sig, win, files[win], nil},
		{"binary changed after signing", pub, sums, sig, win, append([]byte("evil"), files[win]...), ErrBadChecksum},
		{"SHA256SUMS changed after signing", pub, tampered, sig, win, files[win], ErrBadSignature},
		{"signed with another key", other, sums, sig, win, files[win], ErrBadSignature},
		{"signature garbage", pub, sums, []byte("not base64!"), win, files[win], ErrBadSignature},
		{"no signature", pub, sums, nil, win, files[win], ErrBadSignature},
		{"file not in the release", pub, sums, sig, "pantau-probe-darwin-arm64", []byte("x"), ErrNotListed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Verify(tc.pub, tc.sums, tc.sig, tc.file, bytes.NewReader(tc.content))
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestKeysRoundTrip(t *testing.T) {
	t.Parallel()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	gotPub, err := ParsePublicKey(FormatPublicKey(pub))
	if err != nil || !gotPub.Equal(pub) {
		t.Fatalf("public key round trip: %v", err)
	}
	gotPriv, err := ParsePrivateKey(EncodePrivateKey(priv))
	if err != nil || !gotPriv.Equal(priv) {
		t.Fatalf("private key round trip: %v", err)
	}
	for _, bad := range []string{"", "ed25519:", "ed25519:AAAA", "rsa:" + FormatPublicKey(pub)[8:]} {
		if _, err := ParsePublicKey(bad); err == nil {
			t.Errorf("public key %q accepted", bad)
		}
	}
	if _, err := ParsePrivateKey([]byte("-----BEGIN OTHER-----\nAAAA\n-----END OTHER-----\n")); err == nil {
		t.Error("PEM of another type accepted as a private key")
	}
}

func TestParseSumsRefusesBadLines(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("ab", 32)
	tests := map[string]string{
		"path outside the folder": h + "  ../pantau-probe\n",
		"folder in the name":      h + "  bin/pantau-probe\n",
		"short hash":              "abcd  pantau-probe\n",
		"one space":               h + " pantau-probe\n",
		"twice":                   h + "  a\n" + h + "  a\n",
		"empty":                   "\n",
	}
	for name, in := range tests {
		if _, err := ParseSums([]byte(in)); err == nil {
			t.Errorf("%s: accepted %q", name, in)
		}
	}
	s, err := ParseSums([]byte(h + "  *pantau-probe.exe\n"))
	if _, ok := s["pantau-probe.exe"]; err != nil || !ok {
		t.Fatalf("binary-mode line: %v, %v", s, err)
	}
}

// Check takes a release's files as uploaded: everything listed verifies,
// every program is listed, and only programs are returned.
func TestCheck(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	files := func() map[string][]byte {
		f := map[string][]byte{
			BinaryName("linux", "amd64"):   []byte("linux"),
			BinaryName("windows", "amd64"): []byte("windows"),
			VersionFile:                    []byte("v1.4.0\n"),
		}
		s := Sums{}
		for n, b := range f {
			s[n] = sha256.Sum256(b)
		}
		f[SumsFile], f[SignatureFile] = s.Marshal(), Sign(priv, s.Marshal())
		return f
	}
	c, err := Check(pub, files())
	if err != nil || c.Version != "1.4.0" || len(c.Programs) != 2 || c.Programs[0].GOOS != "linux" || c.Programs[1].Name != "pantau-probe-windows-amd64.exe" {
		t.Fatalf("Check: %+v, %v", c, err)
	}
	for name, edit := range map[string]func(map[string][]byte){
		"altered program":  func(f map[string][]byte) { f[BinaryName("linux", "amd64")] = []byte("evil") },
		"unlisted program": func(f map[string][]byte) { f[BinaryName("linux", "arm64")] = []byte("extra") },
		"listed, missing":  func(f map[string][]byte) { delete(f, BinaryName("windows", "amd64")) },
		"no signature":     func(f map[string][]byte) { delete(f, SignatureFile) },
		"no VERSION":       func(f map[string][]byte) { delete(f, VersionFile) },
		"other key": func(f map[string][]byte) {
			_, k, _ := ed25519.GenerateKey(nil)
			f[SignatureFile] = Sign(k, f[SumsFile])
		},
	} {
		f := files()
		edit(f)
		if _, err := Check(pub, f); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
