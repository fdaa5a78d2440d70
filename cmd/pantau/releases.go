package main

import (
	"context"
	"crypto/ed25519"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
	store, err := openFor(ctx, fs, db, args, 1, "set-release-key: give one KEY or FILE")
	if err != nil {
		return err
	}
	defer store.Close()
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
	store, err := openFor(ctx, fs, db, args, 1, "upload-release: give one release folder DIR")
	if err != nil {
		return err
	}
	defer store.Close()
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

// readRelease reads a release folder and verifies it (release.Check):
// the signature over SHA256SUMS and every listed file against its checksum.
func readRelease(dir string, pub ed25519.PublicKey) (api.AgentRelease, error) {
	var rel api.AgentRelease
	entries, err := os.ReadDir(dir)
	if err != nil {
		return rel, fmt.Errorf("release %s: %w", dir, err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return rel, fmt.Errorf("release %s: %w", dir, err)
		}
		files[e.Name()] = b
	}
	checked, err := release.Check(pub, files)
	if err != nil {
		return rel, fmt.Errorf("%s: %w", dir, err)
	}
	if !api.ValidAgentVersion(checked.Version) {
		return rel, fmt.Errorf("release %s: %s: %q is not a version such as 1.2.0", dir, release.VersionFile, checked.Version)
	}
	rel = api.AgentRelease{Version: checked.Version, Sums: checked.Sums, Signature: checked.Signature}
	for _, p := range checked.Programs {
		rel.Binaries = append(rel.Binaries, api.ReleaseBinary{Name: p.Name, GOOS: p.GOOS, GOARCH: p.GOARCH,
			Size: int64(len(p.Content)), Content: p.Content})
	}
	return rel, nil
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
	store, err := openFor(ctx, fs, db, args, 1, "rollout: give one VERSION")
	if err != nil {
		return err
	}
	defer store.Close()
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
	store, err := openFor(ctx, fs, db, args, 0, "")
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
