// Command pantau-release makes the Ed25519 key that signs agent releases
// and signs a release folder (SHA256SUMS and SHA256SUMS.sig), as
// `make release` does. The private key lives outside the repository; its
// path comes from -key or $PANTAU_RELEASE_KEY.
package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/pantau-id/pantau/probe/release"
	"github.com/pantau-id/pantau/probe/safefs"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `Usage:
  pantau-release keygen -out FILE           new signing key: FILE (private, 0600) and FILE.pub
  pantau-release sign [-key FILE] -dir DIR [-version V]
                                            write DIR/VERSION (with -version), DIR/SHA256SUMS
                                            over every file in DIR, and DIR/SHA256SUMS.sig
  pantau-release verify -pub KEY -dir DIR   check the signature and every listed file
KEY is the public key text (ed25519:…) or a file holding it; -key defaults to
$PANTAU_RELEASE_KEY. Keep the private key out of the repository.
`

// run dispatches and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		_, _ = fmt.Fprint(stderr, usage)
		return 2
	}
	fs := flag.NewFlagSet("pantau-release "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "private key `FILE` to create (keygen)")
	key := fs.String("key", getenv("PANTAU_RELEASE_KEY"), "private key `FILE` (sign; default $PANTAU_RELEASE_KEY)")
	pub := fs.String("pub", "", "public `KEY` text or file (verify)")
	dir := fs.String("dir", "", "release `DIR`")
	ver := fs.String("version", "", "`VERSION` to record in DIR/VERSION (sign)")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	var err error
	switch args[0] {
	case "keygen":
		err = keygen(ctx, *out, stdout)
	case "sign":
		err = sign(ctx, *key, *dir, *ver, stdout)
	case "verify":
		err = verify(*pub, *dir, stdout)
	default:
		_, _ = fmt.Fprintf(stderr, "pantau-release: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "pantau-release %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// keygen writes a new private key to out and its public key to out.pub.
func keygen(ctx context.Context, out string, stdout io.Writer) error {
	if out == "" {
		return errors.New("-out is required")
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s exists; refusing to replace a signing key", out)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	if err := safefs.WriteFile(ctx, out, release.EncodePrivateKey(priv), safefs.Options{Label: "private key", Perm: 0o600}); err != nil {
		return err
	}
	line := release.FormatPublicKey(pub)
	if err := safefs.WriteFile(ctx, out+".pub", []byte(line+"\n"), safefs.Options{Label: "public key", Perm: 0o644}); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stdout, "private key: %s (keep it secret, outside the repository)\npublic key:  %s\n%s\n", out, out+".pub", line)
	return nil
}

// sign writes VERSION, SHA256SUMS and SHA256SUMS.sig in dir.
func sign(ctx context.Context, keyFile, dir, version string, stdout io.Writer) error {
	if keyFile == "" || dir == "" {
		return errors.New("-key (or $PANTAU_RELEASE_KEY) and -dir are required")
	}
	b, err := os.ReadFile(filepath.Clean(keyFile))
	if err != nil {
		return fmt.Errorf("read private key: %w", err)
	}
	priv, err := release.ParsePrivateKey(b)
	if err != nil {
		return err
	}
	if version != "" {
		if err := safefs.WriteFile(ctx, filepath.Join(dir, release.VersionFile), []byte(version+"\n"), safefs.Options{Perm: 0o644}); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("list %s: %w", dir, err)
	}
	sums := release.Sums{}
	for _, e := range entries {
		if !e.Type().IsRegular() || slices.Contains([]string{release.SumsFile, release.SignatureFile}, e.Name()) || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return fmt.Errorf("read %s: %w", e.Name(), err)
		}
		sums[e.Name()] = sha256.Sum256(b)
	}
	if len(sums) == 0 {
		return fmt.Errorf("%s holds no files to sign", dir)
	}
	text := sums.Marshal()
	sig := release.Sign(priv, text)
	// Check what will be published with the code the agent uses.
	if _, err := release.VerifySums(priv.Public().(ed25519.PublicKey), text, sig); err != nil {
		return fmt.Errorf("self-check: %w", err)
	}
	if err := safefs.WriteFile(ctx, filepath.Join(dir, release.SumsFile), text, safefs.Options{Perm: 0o644}); err != nil {
		return err
	}
	if err := safefs.WriteFile(ctx, filepath.Join(dir, release.SignatureFile), sig, safefs.Options{Perm: 0o644}); err != nil {
		return err
	}
	_, _ = fmt.Fprintf(stdout, "%s%s signed with %s\n", text, release.SumsFile, release.FormatPublicKey(priv.Public().(ed25519.PublicKey)))
	return nil
}

// verify checks a release folder against a public key.
func verify(pubArg, dir string, stdout io.Writer) error {
	if pubArg == "" || dir == "" {
		return errors.New("-pub and -dir are required")
	}
	if b, err := os.ReadFile(filepath.Clean(pubArg)); err == nil {
		pubArg = string(b)
	}
	pub, err := release.ParsePublicKey(pubArg)
	if err != nil {
		return err
	}
	sums, err := os.ReadFile(filepath.Join(dir, release.SumsFile))
	if err != nil {
		return fmt.Errorf("read %s: %w", release.SumsFile, err)
	}
	sig, err := os.ReadFile(filepath.Join(dir, release.SignatureFile))
	if err != nil {
		return fmt.Errorf("read %s: %w", release.SignatureFile, err)
	}
	list, err := release.VerifySums(pub, sums, sig)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(list))
	for n := range list {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		f, err := os.Open(filepath.Join(dir, n))
		if err != nil {
			return fmt.Errorf("open %s: %w", n, err)
		}
		err = release.Verify(pub, sums, sig, n, f)
		_ = f.Close()
		if err != nil {
			return err
		}
		_, _ = fmt.Fprintf(stdout, "ok  %s\n", n)
	}
	return nil
}
