// Package release verifies agent releases: a folder of binaries, a
// SHA256SUMS file listing them (sha256sum's format) and SHA256SUMS.sig, an
// Ed25519 signature over SHA256SUMS made with a key kept outside the
// repository. The agent checks a download with Verify before it ever runs
// it; cmd/pantau-release makes keys and signs with the same code.
package release

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// File names in a release folder.
const (
	SumsFile      = "SHA256SUMS"
	SignatureFile = "SHA256SUMS.sig"
	VersionFile   = "VERSION"
)

// publicKeyPrefix starts the text form of a public key.
const publicKeyPrefix = "ed25519:"

// privateKeyType is the PEM type of a private key file (its seed).
const privateKeyType = "PANTAU RELEASE PRIVATE KEY"

// Errors Verify wraps, so callers can tell a bad download from a forgery.
var (
	ErrBadSignature = errors.New("release signature does not verify")
	ErrBadChecksum  = errors.New("checksum does not match")
	ErrNotListed    = errors.New("not listed in SHA256SUMS")
)

// FormatPublicKey is the one-line text form of pub: ed25519:<base64>.
func FormatPublicKey(pub ed25519.PublicKey) string {
	return publicKeyPrefix + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads FormatPublicKey's form.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b64, ok := strings.CutPrefix(strings.TrimSpace(s), publicKeyPrefix)
	if !ok {
		return nil, fmt.Errorf("release public key: must start with %q", publicKeyPrefix)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("release public key: %w", err)
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("release public key: %d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// EncodePrivateKey is the PEM file form of priv (its 32-byte seed).
func EncodePrivateKey(priv ed25519.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: privateKeyType, Bytes: priv.Seed()})
}

// ParsePrivateKey reads EncodePrivateKey's form.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != privateKeyType {
		return nil, fmt.Errorf("release private key: not a PEM block of type %q", privateKeyType)
	}
	if len(blk.Bytes) != ed25519.SeedSize {
		return nil, fmt.Errorf("release private key: seed of %d bytes, want %d", len(blk.Bytes), ed25519.SeedSize)
	}
	return ed25519.NewKeyFromSeed(blk.Bytes), nil
}

// Sums maps file names to their SHA-256.
type Sums map[string][sha256.Size]byte

// Marshal writes s as sha256sum does ("<hex>  <name>"), sorted by name.
func (s Sums) Marshal() []byte {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	slices.Sort(names)
	var b bytes.Buffer
	for _, n := range names {
		sum := s[n]
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), n)
	}
	return b.Bytes()
}

// ParseSums reads a SHA256SUMS file, naming the first bad line. Names must
// be plain file names: no folders, so a release cannot name files outside
// its folder.
func ParseSums(b []byte) (Sums, error) {
	s := Sums{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" {
			continue
		}
		hexSum, name, ok := strings.Cut(text, "  ")
		name = strings.TrimPrefix(name, "*") // sha256sum's binary marker
		raw, err := hex.DecodeString(hexSum)
		switch {
		case !ok || err != nil || len(raw) != sha256.Size:
			return nil, fmt.Errorf("%s line %d: not \"<sha256 hex>  <name>\"", SumsFile, line)
		case name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == "..":
			return nil, fmt.Errorf("%s line %d: name %q is not a plain file name", SumsFile, line, name)
		}
		if _, dup := s[name]; dup {
			return nil, fmt.Errorf("%s line %d: %s listed twice", SumsFile, line, name)
		}
		s[name] = [sha256.Size]byte(raw)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", SumsFile, err)
	}
	if len(s) == 0 {
		return nil, fmt.Errorf("%s lists no files", SumsFile)
	}
	return s, nil
}

// Sign is the content of SHA256SUMS.sig for sums (the exact bytes of
// SHA256SUMS): the base64 signature and a newline.
func Sign(priv ed25519.PrivateKey, sums []byte) []byte {
	sig := ed25519.Sign(priv, sums)
	return []byte(base64.StdEncoding.EncodeToString(sig) + "\n")
}

// VerifySums checks sig (SHA256SUMS.sig) over sums (SHA256SUMS) with pub
// and returns the parsed list.
func VerifySums(pub ed25519.PublicKey, sums, sig []byte) (Sums, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(sig)))
	if err != nil || len(raw) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: %s is not a base64 Ed25519 signature", ErrBadSignature, SignatureFile)
	}
	if !ed25519.Verify(pub, sums, raw) {
		return nil, fmt.Errorf("%w with the public key %s", ErrBadSignature, FormatPublicKey(pub))
	}
	return ParseSums(sums)
}

// Verify checks a downloaded file: that sums is signed by pub, that it
// lists name, and that content hashes to what it lists. Only then may the
// file be run.
func Verify(pub ed25519.PublicKey, sums, sig []byte, name string, content io.Reader) error {
	list, err := VerifySums(pub, sums, sig)
	if err != nil {
		return err
	}
	want, ok := list[name]
	if !ok {
		return fmt.Errorf("%s: %w", name, ErrNotListed)
	}
	h := sha256.New()
	if _, err := io.Copy(h, content); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	if got := h.Sum(nil); !bytes.Equal(got, want[:]) {
		return fmt.Errorf("%s: %w: sha256 %x, SHA256SUMS says %x", name, ErrBadChecksum, got, want)
	}
	return nil
}

// BinaryName is the file name of the agent for goos/goarch in a release.
func BinaryName(goos, goarch string) string {
	n := "pantau-probe-" + goos + "-" + goarch
	if goos == "windows" {
		n += ".exe"
	}
	return n
}

// Program is one platform's agent in a checked release.
type Program struct {
	Name, GOOS, GOARCH string
	Content            []byte
}

// Checked is a release whose files all verified.
type Checked struct {
	Version         string // from VERSION, without a leading "v"
	Sums, Signature []byte // SHA256SUMS and SHA256SUMS.sig as uploaded
	Programs        []Program
}

// Check verifies a release given as its files (name to content, as `make
// release` writes the folder): the signature over SHA256SUMS with pub,
// every listed file against its checksum, and that every agent program is
// listed (an unlisted one could never be verified). It is what the server
// runs on an upload, before it offers anything to agents.
func Check(pub ed25519.PublicKey, files map[string][]byte) (Checked, error) {
	var c Checked
	for _, name := range []string{VersionFile, SumsFile, SignatureFile} {
		if _, ok := files[name]; !ok {
			return c, fmt.Errorf("release: %s is missing", name)
		}
	}
	c.Version = strings.TrimPrefix(strings.TrimSpace(string(files[VersionFile])), "v")
	c.Sums, c.Signature = files[SumsFile], files[SignatureFile]
	sums, err := VerifySums(pub, c.Sums, c.Signature)
	if err != nil {
		return c, fmt.Errorf("release: %w", err)
	}
	listed := make([]string, 0, len(sums))
	for name := range sums {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	for _, name := range listed {
		content, ok := files[name]
		if !ok {
			return c, fmt.Errorf("release: %s is listed in %s but missing", name, SumsFile)
		}
		if err := Verify(pub, c.Sums, c.Signature, name, bytes.NewReader(content)); err != nil {
			return c, fmt.Errorf("release: %w", err)
		}
		if goos, goarch, ok := Platform(name); ok {
			c.Programs = append(c.Programs, Program{Name: name, GOOS: goos, GOARCH: goarch, Content: content})
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, _, ok := Platform(name); ok && !slices.Contains(listed, name) {
			return c, fmt.Errorf("release: %s: %w", name, ErrNotListed)
		}
	}
	if len(c.Programs) == 0 {
		return c, fmt.Errorf("release: %s lists no pantau-probe-<os>-<arch> program", SumsFile)
	}
	return c, nil
}

// Platform reads goos and goarch from a release program's name
// (BinaryName's form).
func Platform(name string) (goos, goarch string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSuffix(name, ".exe"), "pantau-probe-")
	if !ok {
		return "", "", false
	}
	goos, goarch, ok = strings.Cut(rest, "-")
	if !ok || goos == "" || goarch == "" || BinaryName(goos, goarch) != name {
		return "", "", false
	}
	return goos, goarch, true
}
