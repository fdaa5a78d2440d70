package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/demo"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/regions"
)

const demoUsage = `Usage:
  pantau demo [flags]                     start Pantau with live simulated offices
  pantau demo cut [-link L] SCOPE         cut the simulated link
  pantau demo restore [-link L] SCOPE     restore it
  pantau demo cuts                        list active cuts

SCOPE is -national, -province 73 or -office 73.71. -link is central (the
national registry, default) or internet (the office goes offline entirely).
`

func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "cut", "restore", "cuts":
			return runDemoControl(ctx, args[0], args[1:], stdout, stderr)
		case "help":
			fmt.Fprint(stdout, demoUsage)
			return nil
		}
	}
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg serveConfig
	cfg.register(fs)
	province := fs.String("province", "73", "province whose offices get simulated probes (73: Sulawesi Selatan)")
	interval := fs.Duration("interval", 5*time.Second, "check interval of the simulated probes")
	fs.Usage = func() { fmt.Fprint(stderr, demoUsage, "\nFlags:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.checkSecrets(fs); err != nil {
		return err
	}
	app, err := cfg.start(ctx, stderr)
	if err != nil {
		return err
	}
	defer app.Close()
	log := app.log
	provinces, offices, err := regions.Load(regions.Embedded())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "Loading Indonesia's regions:")
	if err := importRegions(ctx, app.store, provinces, offices, stdout); err != nil {
		return err
	}
	stateDir := filepath.Join(cfg.db.dataDir, "demo")
	if err := os.MkdirAll(stateDir, 0o755); err != nil {
		return fmt.Errorf("demo state folder: %w", err)
	}
	password, err := seedDemoUsers(ctx, app.store, stateDir)
	if err != nil {
		return err
	}
	reg, err := demo.StartRegistry("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer reg.Close(context.Background())
	if err := os.WriteFile(filepath.Join(stateDir, "registry-url"), []byte(reg.URL()), 0o644); err != nil {
		return fmt.Errorf("demo state: %w", err)
	}
	dcfg := demo.Config{Province: *province, Interval: *interval, SpoolDir: filepath.Join(stateDir, "spool"), Logger: log.With("component", "demo-agent")}
	demoOffices, err := demo.Setup(ctx, app.store, reg, dcfg)
	if err != nil {
		return err
	}
	codes := make([]string, len(demoOffices))
	for i, o := range demoOffices {
		codes[i] = o.Code
	}
	seeded, err := demo.SeedIntake(ctx, app.store, codes, 21, time.Now(), nil)
	if err != nil {
		return err
	}
	if seeded > 0 {
		fmt.Fprintf(stdout, "Recorded three weeks of document intake for %d offices.\n", seeded)
	}
	ln, err := listenOrFree(cfg.addr)
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "\nSimulated central registry on %s; %d offices of province %s probe it every %s.\n", reg.URL(), len(demoOffices), *province, *interval)
	fmt.Fprintf(stdout, "Cut it:      pantau demo cut -office 73.71   (or -province 73, -national; -link internet for an office offline)\n")
	fmt.Fprintf(stdout, "Restore it:  pantau demo restore -office 73.71\n")
	fmt.Fprintf(stdout, "\nLog in with password %s as any of:\n", password)
	for _, u := range demoUsers {
		fmt.Fprintf(stdout, "  %-26s %s\n", u.Email, u.Role)
	}
	fmt.Fprintf(stdout, "Public status page of Kota Makassar: %s/status/73.71\n", url)
	fmt.Fprintf(stdout, "\nPantau is running: %s\n", url)
	go func() {
		if err := demo.RunAgents(ctx, url, demoOffices, dcfg); err != nil {
			log.Error("demo agents stopped", "err", err)
		}
	}()
	return app.Run(ctx, ln)
}

// listenOrFree listens on addr, or on a free loopback port if addr is taken:
// the demo must start even where 8080 is in use.
func listenOrFree(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	ln, err2 := net.Listen("tcp", "127.0.0.1:0")
	if err2 != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, errors.Join(err, err2))
	}
	return ln, nil
}

func runDemoControl(ctx context.Context, action string, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo "+action, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var db dbFlags
	db.register(fs)
	link := fs.String("link", "central", "central or internet")
	national := fs.Bool("national", false, "every office")
	province := fs.String("province", "", "one province, e.g. 73")
	office := fs.String("office", "", "one office, e.g. 73.71")
	fs.Usage = func() { fmt.Fprint(stderr, demoUsage, "\nFlags:\n"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	raw, err := os.ReadFile(filepath.Join(db.dataDir, "demo", "registry-url"))
	if err != nil {
		return fmt.Errorf("no running demo found in %s (start `pantau demo` first): %w", db.dataDir, err)
	}
	base := strings.TrimSpace(string(raw))
	if action == "cuts" {
		cuts, err := demo.ListCuts(ctx, base)
		if err != nil {
			return err
		}
		printCuts(stdout, cuts)
		return nil
	}
	c := demo.Cut{Link: *link}
	switch {
	case *national:
		c.Scope = "national"
	case *province != "":
		c.Scope, c.Code = "province", *province
	case *office != "":
		c.Scope, c.Code = "office", *office
	default:
		fs.Usage()
		return fmt.Errorf("demo %s: name a scope: -national, -province or -office", action)
	}
	cuts, err := demo.Control(ctx, base, c, action == "cut")
	if err != nil {
		return err
	}
	verb := "restored"
	if action == "cut" {
		verb = "cut"
	}
	fmt.Fprintf(stdout, "%s %s link for %s %s\n", verb, c.Link, c.Scope, c.Code)
	printCuts(stdout, cuts)
	return nil
}

func printCuts(w io.Writer, cuts []demo.Cut) {
	fmt.Fprintf(w, "active cuts: %d\n", len(cuts))
	for _, k := range cuts {
		fmt.Fprintf(w, "  %s %s %s\n", k.Link, k.Scope, k.Code)
	}
}

// seedDemoUsers creates one user per role (users.go's demoUsers) with a
// password made on the first run and kept in the demo's state folder, so a
// second run logs in the same way.
func seedDemoUsers(ctx context.Context, store *postgres.Store, stateDir string) (string, error) {
	path := filepath.Join(stateDir, "password")
	b, err := os.ReadFile(path)
	password := strings.TrimSpace(string(b))
	if err != nil || password == "" {
		buf := make([]byte, 9)
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("demo password: %w", err)
		}
		password = "demo-" + base64.RawURLEncoding.EncodeToString(buf)
		if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
			return "", fmt.Errorf("demo password: %w", err)
		}
	}
	for _, nu := range demoUsers {
		nu.Password = password
		if _, err := store.CreateUser(ctx, nu); err != nil && api.ErrorCode(err) != api.EConflict {
			return "", fmt.Errorf("demo user %s: %w", nu.Email, err)
		}
	}
	return password, nil
}
