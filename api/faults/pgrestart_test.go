package faults

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api/pgrun"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/sim"
)

// privateCluster starts a PostgreSQL of this test's own, so restarting it
// disturbs no other test, and returns a store on a migrated database in it
// and a function that restarts it in immediate mode (a crash: no shutdown
// checkpoint, recovery from the WAL on start) on the same port.
func privateCluster(t *testing.T) (*postgres.Store, func()) {
	t.Helper()
	ctx := context.Background()
	// Not t.TempDir: its parents are closed to the user that runs postgres.
	dir, err := os.MkdirTemp("", "pantau-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgrun.Start(ctx, pgrun.Config{Dir: dir})
	if err != nil {
		_ = os.RemoveAll(dir)
		t.Skipf("no private PostgreSQL: %v", err)
	}
	t.Cleanup(func() {
		_ = c.Stop(context.Background())
		_ = os.RemoveAll(dir)
	})
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE pantau")
	_ = conn.Close(ctx)
	if err != nil {
		t.Fatal(err)
	}
	store, err := postgres.Open(ctx, c.URL("pantau"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(store.Close)
	if err := postgres.Migrate(ctx, store.Pool()); err != nil {
		t.Fatal(err)
	}
	bin, err := pgrun.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	restart := func() {
		t.Helper()
		// pg_ctl restart reuses the options the cluster was started with
		// (postmaster.opts), so the port stays.
		args := []string{filepath.Join(bin, "pg_ctl"), "-D", filepath.Join(dir, "data"), "-l", filepath.Join(dir, "postgres.log"), "-m", "immediate", "-w", "-t", "60", "restart"}
		if os.Geteuid() == 0 {
			args = append([]string{"runuser", "-u", "postgres", "--"}, args...)
		}
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(cctx, args[0], args[1:]...)
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("restart postgres: %v: %s", err, strings.TrimSpace(string(out)))
		}
	}
	return store, restart
}

// pgRestarts runs n simulated probes for d, restarting PostgreSQL times
// times while they send, and checks every result was stored exactly once:
// the server answers 5xx while the database is away, the probes keep their
// results and retry, and the pool reconnects by itself.
func pgRestarts(t *testing.T, n int, interval, d time.Duration, times int) {
	store, restart := privateCluster(t)
	srv := newSwitchable(t, store)
	members := register(t, store, n, interval)
	done := make(chan struct{})
	var figs sim.Figures
	var runErr error
	go func() {
		defer close(done)
		figs, runErr = sim.Run(context.Background(), members, sim.Config{Server: srv.URL(), Duration: d, Drain: time.Minute,
			RequestTimeout: 10 * time.Second, Seed: 3})
	}()
	for i := range times {
		time.Sleep(d / time.Duration(times+1))
		restart()
		t.Logf("restart %d of PostgreSQL done", i+1)
	}
	select {
	case <-done:
	case <-time.After(d + 5*time.Minute): // the run, its minute of drain, and slack
		t.Fatal("the simulated fleet did not finish")
	}
	if runErr != nil {
		t.Fatalf("sim: %v", runErr)
	}
	stored, err := sim.Stored(context.Background(), store, members)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", fmt.Sprintf("%d measured, %d stored, %d requests failed and were retried, %d duplicates", figs.Generated, stored, figs.FailedRequests, figs.Duplicates))
	if figs.Generated == 0 || stored != figs.Generated || figs.Undelivered != 0 || figs.Dropped != 0 {
		t.Fatalf("measured %d, stored %d, figures %+v: want every result stored once", figs.Generated, stored, figs)
	}
}

func TestPostgresRestartedDuringIngestLosesNothing(t *testing.T) {
	t.Parallel()
	pgRestarts(t, 20, 100*time.Millisecond, 6*time.Second, 1)
}
