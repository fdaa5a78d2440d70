package webui

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/auth"
	"github.com/pantau-id/pantau/probe/release"
	"github.com/pantau-id/pantau/web"
)

// MaxReleaseUpload bounds the body of a release upload: three agent
// programs of about 10 MB each, with room to grow.
const MaxReleaseUpload = 256 << 20

// releaseData is what the admin page shows of agent releases: the
// uploaded ones, the rollout in force, and the fleet's versions.
type releaseData struct {
	Releases []api.AgentRelease
	Rollout  *api.Rollout
	Fleet    []api.AgentStatus
	Versions []versionCount
}

// versionCount is how many offices and probes run one agent version.
type versionCount struct {
	Version         string
	Offices, Probes int
}

// releaseView loads releaseData.
func (p *Pages) releaseView(c *gin.Context) (releaseData, error) {
	ctx := c.Request.Context()
	var d releaseData
	var err error
	if d.Releases, err = p.store.AgentReleases(ctx); err != nil {
		return d, err
	}
	if d.Rollout, err = p.store.CurrentRollout(ctx); err != nil {
		return d, err
	}
	if d.Fleet, _, err = p.store.AgentStatuses(ctx, ""); err != nil {
		return d, err
	}
	offices := map[string]map[string]bool{}
	probes := map[string]int{}
	for _, s := range d.Fleet {
		if s.RevokedAt != nil {
			continue
		}
		v := s.AgentVersion
		if v == "" {
			v = "-"
		}
		if offices[v] == nil {
			offices[v] = map[string]bool{}
		}
		offices[v][s.OfficeCode] = true
		probes[v]++
	}
	for v, os := range offices {
		d.Versions = append(d.Versions, versionCount{Version: v, Offices: len(os), Probes: probes[v]})
	}
	slices.SortFunc(d.Versions, func(a, b versionCount) int { return strings.Compare(b.Version, a.Version) })
	return d, nil
}

// AdminUploadRelease is POST /admin/releases: the files of a `make release`
// folder (VERSION, SHA256SUMS, SHA256SUMS.sig, the programs) in field
// "files". They are checked against the release key as upload-release
// does; nothing is offered to agents until a rollout.
func (p *Pages) AdminUploadRelease(c *gin.Context) error {
	ctx := c.Request.Context()
	lang := auth.LangOf(c)
	key, err := p.store.ReleasePublicKey(ctx)
	if err != nil {
		return err
	}
	if key == "" {
		return api.FieldErrorf("files", "%s", web.T(lang, "admin.release_no_key"))
	}
	pub, err := release.ParsePublicKey(key)
	if err != nil {
		return fmt.Errorf("stored %w", err)
	}
	form, err := c.MultipartForm()
	var maxErr *http.MaxBytesError
	switch {
	case errors.As(err, &maxErr):
		return api.Errorf(api.ETooLarge, "%s", web.T(lang, "admin.release_too_large"))
	case err != nil:
		return api.FieldErrorf("files", "%s", web.T(lang, "admin.release_files"))
	}
	files := map[string][]byte{}
	for _, fh := range form.File["files"] {
		// Browsers send base names; anything else is cut to one.
		name := path.Base(strings.ReplaceAll(fh.Filename, `\`, "/"))
		if err := api.CheckLine("files", name, api.MaxName); err != nil {
			return err
		}
		if _, dup := files[name]; dup {
			return api.FieldErrorf("files", "%s: %s", web.T(lang, "admin.release_twice"), name)
		}
		f, err := fh.Open()
		if err != nil {
			return api.FieldErrorf("files", "%s: %v", name, err)
		}
		b, err := io.ReadAll(f)
		_ = f.Close()
		if err != nil {
			return api.FieldErrorf("files", "%s: %v", name, err)
		}
		files[name] = b
	}
	if len(files) == 0 {
		return api.FieldErrorf("files", "%s", web.T(lang, "admin.release_files"))
	}
	checked, err := release.Check(pub, files)
	if err != nil {
		return api.FieldErrorf("files", "%s: %v", web.T(lang, "admin.release_refused"), err)
	}
	if !api.ValidAgentVersion(checked.Version) {
		return api.FieldErrorf("files", "%s: %q", web.T(lang, "admin.release_version"), checked.Version)
	}
	rel := api.AgentRelease{Version: checked.Version, Sums: checked.Sums, Signature: checked.Signature}
	names := make([]string, 0, len(checked.Programs))
	for _, pr := range checked.Programs {
		rel.Binaries = append(rel.Binaries, api.ReleaseBinary{Name: pr.Name, GOOS: pr.GOOS, GOARCH: pr.GOARCH,
			Size: int64(len(pr.Content)), Content: pr.Content})
		names = append(names, pr.GOOS+"/"+pr.GOARCH)
	}
	if err := p.store.AddAgentRelease(ctx, rel); err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf("%s %s ✓ (%s)", web.T(lang, "admin.release"), rel.Version, strings.Join(names, ", ")), "")
}

// AdminRollout is POST /admin/releases/rollout: offer an uploaded release
// to all offices, a province's or a list, to a staged share first (as
// `pantau admin rollout`). It replaces the rollout in force.
func (p *Pages) AdminRollout(c *gin.Context) error {
	lang := auth.LangOf(c)
	r := api.Rollout{Version: strings.TrimPrefix(strings.TrimSpace(c.PostForm("version")), "v"), Scope: c.PostForm("scope"), SharePct: 100}
	if s := strings.TrimSpace(c.PostForm("share")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return api.FieldErrorf("share", "%s", web.T(lang, "admin.rollout_share"))
		}
		r.SharePct = n
	}
	switch r.Scope {
	case api.RolloutProvince:
		r.ProvinceCode = strings.TrimSpace(c.PostForm("province"))
	case api.RolloutOffices:
		r.OfficeCodes = strings.FieldsFunc(c.PostForm("offices"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' })
	}
	r, err := p.store.StartRollout(c.Request.Context(), r)
	if err != nil {
		return err
	}
	return p.renderAdmin(c, http.StatusCreated, fmt.Sprintf("%s #%d: %s %s → %s, %d%%", web.T(lang, "admin.rollout"), r.ID,
		web.T(lang, "admin.release"), r.Version, rolloutScope(lang, r), r.SharePct), "")
}

// rolloutScope says whom a rollout is for, as the page says it.
func rolloutScope(lang string, r api.Rollout) string {
	switch r.Scope {
	case api.RolloutProvince:
		return web.T(lang, "scope.province") + " " + r.ProvinceCode
	case api.RolloutOffices:
		return web.T(lang, "admin.rollout_offices") + " " + strings.Join(r.OfficeCodes, ", ")
	}
	return web.T(lang, "admin.rollout_all")
}
