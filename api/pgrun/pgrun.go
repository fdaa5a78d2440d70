// Package pgrun starts a private PostgreSQL cluster from the machine's own
// PostgreSQL binaries, in a data folder of its own, on a free loopback port.
// It lets `pantau` and the tests run where no server is configured, without
// ever taking a port from a server that runs already.
//
// PostgreSQL refuses to run as root; when we are root the cluster is owned by
// and run as an unprivileged user (postgres by default) through runuser.
package pgrun

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config says where the cluster lives and who runs it.
type Config struct {
	// Dir is the data folder; it is created and initialised when empty.
	Dir string
	// RunAs is the unprivileged user that owns the cluster when the caller is
	// root. Default "postgres".
	RunAs string
	// BinDir holds initdb, pg_ctl and postgres; found automatically when empty.
	BinDir string
}

// Cluster is a running private PostgreSQL.
type Cluster struct {
	cfg  Config
	port int
}

// URL returns a connection string for database name on this cluster.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, name)
}

// Port is the loopback TCP port the cluster listens on.
func (c *Cluster) Port() int { return c.port }

// Start initialises cfg.Dir when needed and starts postgres on a free port.
// A cluster already running in cfg.Dir (postmaster.pid alive) is reused.
func Start(ctx context.Context, cfg Config) (*Cluster, error) {
	if cfg.Dir == "" {
		return nil, errors.New("pgrun: Dir is required")
	}
	if cfg.RunAs == "" {
		cfg.RunAs = "postgres"
	}
	if cfg.BinDir == "" {
		dir, err := FindBinDir()
		if err != nil {
			return nil, err
		}
		cfg.BinDir = dir
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("pgrun: data folder: %w", err)
	}
	cfg.Dir = dir
	c := &Cluster{cfg: cfg}
	if port, ok := c.runningPort(); ok {
		c.port = port
		return c, c.waitReady(ctx)
	}
	if err := c.initdb(ctx); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	c.port = port
	opts := fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=on", port, c.cfg.Dir)
	logFile := filepath.Join(c.cfg.Dir, "postgres.log")
	if out, err := c.run(ctx, filepath.Join(cfg.BinDir, "pg_ctl"), "-D", c.dataDir(), "-l", logFile, "-o", opts, "-w", "-t", "60", "start"); err != nil {
		return nil, fmt.Errorf("pgrun: pg_ctl start: %w: %s", err, out)
	}
	return c, c.waitReady(ctx)
}

// Stop shuts the cluster down (fast mode: open sessions are ended).
func (c *Cluster) Stop(ctx context.Context) error {
	out, err := c.run(ctx, filepath.Join(c.cfg.BinDir, "pg_ctl"), "-D", c.dataDir(), "-m", "fast", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pgrun: pg_ctl stop: %w: %s", err, out)
	}
	return nil
}

func (c *Cluster) dataDir() string { return filepath.Join(c.cfg.Dir, "data") }

func (c *Cluster) initdb(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); err == nil {
		return nil
	}
	// Parents must be traversable by the unprivileged user that runs postgres.
	if err := os.MkdirAll(c.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("pgrun: create data folder: %w", err)
	}
	if err := os.MkdirAll(c.dataDir(), 0o700); err != nil {
		return fmt.Errorf("pgrun: create data folder: %w", err)
	}
	if err := c.chownToRunAs(); err != nil {
		return err
	}
	out, err := c.run(ctx, filepath.Join(c.cfg.BinDir, "initdb"), "-D", c.dataDir(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8")
	if err != nil {
		return fmt.Errorf("pgrun: initdb: %w: %s", err, out)
	}
	return nil
}

// chownToRunAs hands the folder to the unprivileged user when we are root.
func (c *Cluster) chownToRunAs() error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(c.cfg.RunAs)
	if err != nil {
		return fmt.Errorf("pgrun: PostgreSQL refuses root and user %q is missing: %w", c.cfg.RunAs, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// The parent must be reachable by that user too.
	if err := os.Chmod(c.cfg.Dir, 0o755); err != nil {
		return fmt.Errorf("pgrun: chmod %s: %w", c.cfg.Dir, err)
	}
	return filepath.Walk(c.cfg.Dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}

// run executes a PostgreSQL tool, through runuser when we are root.
func (c *Cluster) run(ctx context.Context, bin string, args ...string) (string, error) {
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.cfg.RunAs, "--", bin}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, bin, args...)
	}
	cmd.Dir = c.cfg.Dir
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// runningPort reads the port of a postmaster already serving this folder.
func (c *Cluster) runningPort() (int, bool) {
	b, err := os.ReadFile(filepath.Join(c.dataDir(), "postmaster.pid"))
	if err != nil {
		return 0, false
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 {
		return 0, false
	}
	pid, err1 := strconv.Atoi(strings.TrimSpace(lines[0]))
	port, err2 := strconv.Atoi(strings.TrimSpace(lines[3]))
	if err1 != nil || err2 != nil {
		return 0, false
	}
	if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
		return 0, false
	}
	return port, true
}

func (c *Cluster) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(30 * time.Second)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port))
	for {
		conn, err := (&net.Dialer{Timeout: time.Second}).DialContext(ctx, "tcp", addr)
		if err == nil {
			conn.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("pgrun: postgres on %s not ready: %w", addr, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// FindBinDir locates the folder with initdb and pg_ctl: pg_config's answer,
// then Debian's /usr/lib/postgresql/<newest>/bin, then PATH.
func FindBinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		dir := strings.TrimSpace(string(out))
		if isExec(filepath.Join(dir, "initdb")) {
			return dir, nil
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(matches, func(i, j int) bool { return versionOf(matches[i]) > versionOf(matches[j]) })
	for _, m := range matches {
		if isExec(filepath.Join(m, "initdb")) && isExec(filepath.Join(m, "pg_ctl")) {
			return m, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Dir(real), nil
		}
	}
	return "", errors.New("pgrun: no PostgreSQL binaries found (install Debian's postgresql package, or set DATABASE_URL)")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode()&0o111 != 0
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgrun: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
