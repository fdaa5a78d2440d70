package update

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/pantau-id/pantau/probe"
	"github.com/pantau-id/pantau/probe/release"
)

// offerFor signs content as this platform's program of version with priv,
// served by a test server that counts downloads.
func offerFor(t *testing.T, priv ed25519.PrivateKey, version string, content, served []byte) (probe.UpdateOffer, *int, string) {
	t.Helper()
	name := release.BinaryName(runtime.GOOS, runtime.GOARCH)
	sums := release.Sums{name: sha256.Sum256(content)}.Marshal()
	downloads := new(int)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer pt_test" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		*downloads++
		_, _ = w.Write(served)
	}))
	t.Cleanup(srv.Close)
	return probe.UpdateOffer{Version: version, Name: name, URL: "/api/v1/probe/releases/" + version + "/" + name,
		Sums: string(sums), Signature: string(release.Sign(priv, sums))}, downloads, srv.URL
}

func newTestUpdater(t *testing.T, server string, pub ed25519.PublicKey) *Updater {
	t.Helper()
	dir := t.TempDir()
	key := ""
	if pub != nil {
		key = release.FormatPublicKey(pub)
	}
	u, err := New(Config{Server: server, Token: "pt_test", Version: "1.0.0", PublicKey: key,
		Executable: filepath.Join(dir, "pantau-probe"), StateFile: filepath.Join(dir, "update.json")})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestStageRefuses(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	program := []byte("#!/bin/sh\necho pantau-probe 1.1.0\n")
	ctx := context.Background()

	for _, tc := range []struct {
		name      string
		pub       ed25519.PublicKey
		served    []byte
		edit      func(*probe.UpdateOffer)
		want      error
		downloads int
	}{
		{name: "no key from enrolment", pub: nil, served: program},
		{name: "signed with another key", pub: otherPub, served: program, want: release.ErrBadSignature},
		{name: "signature cut", pub: pub, served: program, edit: func(o *probe.UpdateOffer) { o.Signature = "" }, want: release.ErrBadSignature},
		{name: "another platform", pub: pub, served: program, edit: func(o *probe.UpdateOffer) { o.Name = "pantau-probe-plan9-mips" }},
		{name: "altered download", pub: pub, served: append([]byte("evil"), program...), want: release.ErrBadChecksum, downloads: 1},
		{name: "path off the server", pub: pub, served: program, edit: func(o *probe.UpdateOffer) { o.URL = "http://elsewhere/x" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, downloads, server := offerFor(t, priv, "1.1.0", program, tc.served)
			if tc.edit != nil {
				tc.edit(&o)
			}
			u := newTestUpdater(t, server, tc.pub)
			_, err := u.stage(ctx, o)
			var r *refusal
			if !errors.As(err, &r) {
				t.Fatalf("stage: %v, want a refusal", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("stage: %v, want %v", err, tc.want)
			}
			if *downloads != tc.downloads {
				t.Errorf("%d downloads, want %d", *downloads, tc.downloads)
			}
			if _, err := os.Stat(stagedPath(u.cfg.Executable)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused program was left on disk: %v", err)
			}
		})
	}
}

// A refused offer is recorded, reported once and not tried again.
func TestRunReportsRefusalOnce(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	otherPub, _, _ := ed25519.GenerateKey(nil)
	program := []byte("program")
	o, _, _ := offerFor(t, priv, "1.1.0", program, program)
	reports := make(chan Report, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != ReportPath {
			http.NotFound(w, r)
			return
		}
		var rep Report
		if err := jsonDecode(r, &rep); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reports <- rep
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	u := newTestUpdater(t, srv.URL, otherPub)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { s, err := u.Run(ctx); done <- errors.Join(err, nilStaged(s)) }()
	u.Offer(&o)
	select {
	case rep := <-reports:
		if rep.FailedVersion != "1.1.0" || rep.Reason == "" {
			t.Errorf("report %+v", rep)
		}
	case <-ctx.Done():
		t.Fatal("no report")
	}
	u.Offer(&o) // the same offer again: not tried, not reported again
	st, err := loadState(u.cfg.StateFile)
	if err != nil || len(st.Failed) != 1 || st.Failed[0] != "1.1.0" {
		t.Errorf("state %+v, %v", st, err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Error(err)
	}
	select {
	case rep := <-reports:
		t.Errorf("reported twice: %+v", rep)
	default:
	}
}

func nilStaged(s *Staged) error {
	if s != nil {
		return errors.New("staged a refused update")
	}
	return nil
}

func TestOldPath(t *testing.T) {
	for in, want := range map[string]string{
		"/usr/local/bin/pantau-probe":              "/usr/local/bin/pantau-probe.old",
		`C:\Program Files\Pantau\pantau-probe.exe`: `C:\Program Files\Pantau\pantau-probe.old.exe`,
	} {
		if got := OldPath(in); got != want {
			t.Errorf("OldPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func jsonDecode(r *http.Request, v any) error { return json.NewDecoder(r.Body).Decode(v) }
