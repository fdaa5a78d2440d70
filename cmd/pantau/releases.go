package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/probe/release"
)

func adminSetReleaseKey(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: pantau admin set-release-key [flags] KEY|FILE\n\n"+
			"Sets the public key agent releases are signed with (ed25519:BASE64, as in the .pub file of\n"+
			"'pantau-release keygen'). upload-release checks releases against it, and agents enrolled\n"+
			"from now on keep it and run no update signed otherwise.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	store, err := openFor(ctx, fs, db, args)
	if err != nil {
		return err
	}
	defer store.Close()
	if fs.NArg() != 1 {
		return errors.New("set-release-key: give one KEY or FILE")
	}
	key, err := readPublicKey(fs.Arg(0))
	if err != nil {
		return err
	}
	if err := store.SetReleasePublicKey(ctx, key); err != nil {
		return err
	}
	fmt.Fprintf(out, "release public key set: %s\n", key)
	return nil
}

// readPublicKey reads a release public key given as text or as a file.
func readPublicKey(arg string) (string, error) {
	text := arg
	if !strings.HasPrefix(arg, "ed25519:") {
		b, err := os.ReadFile(arg)
		if err != nil {
			return "", fmt.Errorf("read release public key: %w", err)
		}
		text = strings.TrimSpace(string(b))
	}
	pub, err := release.ParsePublicKey(text)
	if err != nil {
		return "", err
	}
	return release.FormatPublicKey(pub), nil
}

func adminUploadRelease(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: pantau admin upload-release [flags] DIR\n\n"+
			"Stores the agent release in DIR (as 'make release' writes it: VERSION, SHA256SUMS,\n"+
			"SHA256SUMS.sig and the pantau-probe-<os>-<arch> programs) after checking the signature\n"+
			"against the key of set-release-key and every listed file against its checksum.\n"+
			"Nothing is offered to agents until 'pantau admin rollout'.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	store, err := openFor(ctx, fs, db, args)
	if err != nil {
		return err
	}
	defer store.Close()
	if fs.NArg() != 1 {
		return errors.New("upload-release: give one release folder DIR")
	}
	key, err := store.ReleasePublicKey(ctx)
	if err != nil {
		return err
	}
	if key == "" {
		return errors.New("upload-release: no release public key set; run 'pantau admin set-release-key KEY' first")
	}
	pub, err := release.ParsePublicKey(key)
	if err != nil {
		return fmt.Errorf("stored %w", err)
	}
	rel, err := readRelease(fs.Arg(0), pub)
	if err != nil {
		return err
	}
	if err := store.AddAgentRelease(ctx, rel); err != nil {
		return err
	}
	names := make([]string, len(rel.Binaries))
	for i, b := range rel.Binaries {
		names[i] = b.Name
	}
	fmt.Fprintf(out, "release %s stored: %s\n", rel.Version, strings.Join(names, ", "))
	return nil
}

// readRelease reads and verifies a release folder: the signature over
// SHA256SUMS, and every listed file against its checksum. Every agent
// program must be listed (an unlisted one could never be verified).
func readRelease(dir string, pub []byte) (api.AgentRelease, error) {
	var rel api.AgentRelease
	read := func(name string) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("release %s: %w", dir, err)
		}
		return b, nil
	}
	version, err := read(release.VersionFile)
	if err != nil {
		return rel, err
	}
	rel.Version = strings.TrimPrefix(strings.TrimSpace(string(version)), "v")
	if !api.ValidAgentVersion(rel.Version) {
		return rel, fmt.Errorf("release %s: %s: %q is not a version such as 1.2.0", dir, release.VersionFile, rel.Version)
	}
	if rel.Sums, err = read(release.SumsFile); err != nil {
		return rel, err
	}
	if rel.Signature, err = read(release.SignatureFile); err != nil {
		return rel, err
	}
	sums, err := release.VerifySums(pub, rel.Sums, rel.Signature)
	if err != nil {
		return rel, fmt.Errorf("release %s: %w", dir, err)
	}
	listed := make([]string, 0, len(sums))
	for name := range sums {
		listed = append(listed, name)
	}
	slices.Sort(listed)
	for _, name := range listed {
		content, err := read(name)
		if err != nil {
			return rel, err
		}
		if err := release.Verify(pub, rel.Sums, rel.Signature, name, bytes.NewReader(content)); err != nil {
			return rel, fmt.Errorf("release %s: %w", dir, err)
		}
		goos, goarch, ok := platformOf(name)
		if !ok {
			continue // VERSION and the like: checked, not stored apart
		}
		rel.Binaries = append(rel.Binaries, api.ReleaseBinary{Name: name, GOOS: goos, GOARCH: goarch, Size: int64(len(content)), Content: content})
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rel, fmt.Errorf("release %s: %w", dir, err)
	}
	for _, e := range entries {
		if _, _, ok := platformOf(e.Name()); ok && !slices.Contains(listed, e.Name()) {
			return rel, fmt.Errorf("release %s: %s: %w", dir, e.Name(), release.ErrNotListed)
		}
	}
	if len(rel.Binaries) == 0 {
		return rel, fmt.Errorf("release %s: %s lists no pantau-probe-<os>-<arch> program", dir, release.SumsFile)
	}
	return rel, nil
}

// platformOf reads goos and goarch from a release binary's name.
func platformOf(name string) (goos, goarch string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSuffix(name, ".exe"), "pantau-probe-")
	if !ok {
		return "", "", false
	}
	goos, goarch, ok = strings.Cut(rest, "-")
	if !ok || goos == "" || goarch == "" || release.BinaryName(goos, goarch) != name {
		return "", "", false
	}
	return goos, goarch, true
}

func adminRollout(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: pantau admin rollout [flags] VERSION\n\n"+
			"Offers the uploaded agent release VERSION to all offices, a province's (-province 73)\n"+
			"or a list (-offices 73.71,73.72); -share gives it to that percentage of them first (the\n"+
			"same probes each time for a version, so raising -share later keeps them). It replaces\n"+
			"the rollout in force. The state of each probe shows in list-probes.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	province := fs.String("province", "", "province code (e.g. 73): only its offices")
	offices := fs.String("offices", "", "comma-separated office codes (e.g. 73.71,73.72): only these")
	share := fs.Int("share", 100, "percent of the probes in scope offered the release (1-100)")
	store, err := openFor(ctx, fs, db, args)
	if err != nil {
		return err
	}
	defer store.Close()
	if fs.NArg() != 1 {
		return errors.New("rollout: give one VERSION")
	}
	r := api.Rollout{Version: strings.TrimPrefix(fs.Arg(0), "v"), Scope: api.RolloutAll, SharePct: *share}
	switch {
	case *province != "" && *offices != "":
		return errors.New("rollout: -province and -offices exclude each other")
	case *province != "":
		r.Scope, r.ProvinceCode = api.RolloutProvince, *province
	case *offices != "":
		r.Scope = api.RolloutOffices
		for o := range strings.SplitSeq(*offices, ",") {
			if o = strings.TrimSpace(o); o != "" {
				r.OfficeCodes = append(r.OfficeCodes, o)
			}
		}
	}
	if r, err = store.StartRollout(ctx, r); err != nil {
		return err
	}
	fmt.Fprintf(out, "rollout %d: release %s to %s, %d%% of its probes\n", r.ID, r.Version, rolloutScope(r), r.SharePct)
	return nil
}

// rolloutScope says whom a rollout is for.
func rolloutScope(r api.Rollout) string {
	switch r.Scope {
	case api.RolloutProvince:
		return "province " + r.ProvinceCode
	case api.RolloutOffices:
		return "offices " + strings.Join(r.OfficeCodes, ",")
	}
	return "all offices"
}

func adminListReleases(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	store, err := openFor(ctx, fs, db, args)
	if err != nil {
		return err
	}
	defer store.Close()
	rels, err := store.AgentReleases(ctx)
	if err != nil {
		return err
	}
	current, err := store.CurrentRollout(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tUPLOADED\tPROGRAMS\tROLLOUT")
	for _, rel := range rels {
		progs := make([]string, len(rel.Binaries))
		for i, b := range rel.Binaries {
			progs[i] = b.GOOS + "/" + b.GOARCH + " " + strconv.FormatInt(b.Size, 10) + "B"
		}
		rollout := "-"
		if current != nil && current.Version == rel.Version {
			rollout = fmt.Sprintf("%s, %d%%", rolloutScope(*current), current.SharePct)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", rel.Version, rel.UploadedAt.Format(time.RFC3339), strings.Join(progs, ", "), rollout)
	}
	return w.Flush()
}
