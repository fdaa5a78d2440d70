package pdf

import (
	"bytes"
	"context"
	"os"
	"testing"
	"testing/fstest"
	"time"
)

// TestPrintLeavesNothingBehind prints a page with the machine's Chromium
// and checks that the PDF came back and that nothing (profile, Chromium's
// single-instance socket folder) is left in the temporary folder.
func TestPrintLeavesNothingBehind(t *testing.T) {
	p := New(DefaultChromium)
	if !p.Available() {
		t.Skip("no Chromium at " + DefaultChromium + " (make test installs it: .ci/deps)")
	}
	// Not t.TempDir(): its long name would leave Chromium's socket path
	// too long, and the printer would keep it out of the profile.
	tmp, err := os.MkdirTemp("", "pdf-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(tmp) })
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := p.Print(ctx, Doc{
		HTML:   []byte(`<!doctype html><html lang="id"><head><link rel="stylesheet" href="/static/a.css"></head><body><h1>Laporan</h1></body></html>`),
		Assets: fstest.MapFS{"a.css": {Data: []byte("h1 { color: #123; }")}},
		Prefix: "/static/",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("print returned %d bytes, not a PDF: %.20q", len(out), out)
	}
	left, err := os.ReadDir(tmp)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("left in TMPDIR after printing: %s", e.Name())
	}
}
