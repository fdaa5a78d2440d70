package pgrun

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestStartPrivateCluster starts a cluster from the machine's binaries in a
// fresh folder, on a port other than 5432, reuses it, and stops it.
func TestStartPrivateCluster(t *testing.T) {
	if _, err := FindBinDir(); err != nil {
		t.Skipf("no PostgreSQL binaries: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// A folder of its own per run: two test runs on one machine must not
	// share a cluster (t.TempDir's base name is the same in both).
	parent, err := os.MkdirTemp("", "pgrun-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(parent) })
	// The cluster may run as an unprivileged user, who must reach its folder.
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "data")
	c, err := Start(ctx, Config{Dir: dir})
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() { c.Stop(context.Background()) })
	if c.Port() == 5432 {
		t.Fatalf("took port 5432")
	}
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("query: %v", err)
	}
	conn.Close(ctx)
	// A second Start on the same folder finds the running cluster.
	again, err := Start(ctx, Config{Dir: dir})
	if err != nil || again.Port() != c.Port() {
		t.Fatalf("restart: port %d, %v; want the running cluster on %d", again.Port(), err, c.Port())
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, ok := c.runningPort(); ok {
		t.Fatal("still running after Stop")
	}
}
