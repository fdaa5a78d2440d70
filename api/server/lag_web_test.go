package server_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAdminPageShowsDetectionLag: how far detection is behind is on the
// admin page (issue 14), from the queue as it stands.
func TestAdminPageShowsDetectionLag(t *testing.T) {
	f := newWebFixture(t)
	ctx := context.Background()
	_, err := f.store.Pool().Exec(ctx, `INSERT INTO detection_queue (office_code, probe_id, target_id, seq, from_at, queued_at)
		VALUES ('73.71', 1, 1, 1, $1, $2), ('73.71', 1, 2, 2, $3, $3)`, f.now.Add(-95*time.Second), f.now.Add(-30*time.Second), f.now.Add(-2*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	_, body := f.do(t, "admin", "GET", "/admin", nil, false)
	i := strings.Index(body, `id="detection-lag"`)
	if i < 0 {
		t.Fatal("no detection lag on the admin page")
	}
	section := body[i:min(len(body), i+1000)]
	for _, want := range []string{"95,0 detik", "30,0 detik", "<b>2</b>"} {
		if !strings.Contains(section, want) {
			t.Errorf("detection lag section lacks %q:\n%s", want, section)
		}
	}
}
