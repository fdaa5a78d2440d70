package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

const adminUsage = `Usage: pantau admin <action> [flags]

Actions:
  add-target      add a target an office's probe checks
  list-targets    list targets (of one office with -office)
  add-probe       register a probe for an office and print its token (shown once)
  list-probes     list probes with their agents' last report
  revoke-probe    stop a probe's writes at once
  enrol-code      make a one-time code an office's agent enrols with (pantau-probe enrol)
  set-min-agent-version
                  flag agents older than a version as OUTDATED in list-probes
  set-release-key the public key agent releases are signed with (agents enrolled later trust it)
  upload-release  store a signed agent release folder (make release) after checking it
  list-releases   list stored agent releases and the rollout in force
  rollout         offer a release to all offices, a province or a list, a staged share first
  add-maintenance     declare a planned cut-off (office, province or national)
  list-maintenance    list maintenance windows
  delete-maintenance  remove a maintenance window
  add-token       make an API token for scripts with a role and scope (shown once)
  list-tokens     list API tokens with their last use
  revoke-token    refuse an API token from now on
  slack-retry     put Slack messages that gave up back in line (-list to see them)

Run 'pantau admin <action> -h' for its flags.
`

func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, adminUsage)
		return nil
	}
	actions := map[string]func(context.Context, *flag.FlagSet, *dbFlags, []string, io.Writer) error{
		"add-target":            adminAddTarget,
		"list-targets":          adminListTargets,
		"add-probe":             adminAddProbe,
		"list-probes":           adminListProbes,
		"revoke-probe":          adminRevokeProbe,
		"enrol-code":            adminEnrolCode,
		"set-min-agent-version": adminSetMinAgentVersion,
		"set-release-key":       adminSetReleaseKey,
		"upload-release":        adminUploadRelease,
		"list-releases":         adminListReleases,
		"rollout":               adminRollout,
		"add-maintenance":       adminAddMaintenance,
		"list-maintenance":      adminListMaintenance,
		"delete-maintenance":    adminDeleteMaintenance,
		"add-token":             adminAddToken,
		"list-tokens":           adminListTokens,
		"revoke-token":          adminRevokeToken,
		"slack-retry":           adminSlackRetry,
	}
	action, ok := actions[args[0]]
	if !ok {
		fmt.Fprint(stderr, adminUsage)
		return fmt.Errorf("admin: unknown action %q", args[0])
	}
	fs := flag.NewFlagSet("admin "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	var db dbFlags
	db.register(fs)
	// Each action registers its own flags on fs, then parses through openFor.
	return action(ctx, fs, &db, args[1:], stdout)
}

// openFor parses fs, checks that it left nargs arguments (usage says
// which, when there should be some), and only then opens the database
// named by its flags: a wrong command line never waits on a database.
func openFor(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, nargs int, usage string) (*postgres.Store, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	switch {
	case fs.NArg() == nargs:
	case nargs == 0:
		return nil, fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	default:
		return nil, errors.New(usage)
	}
	return openMigrated(ctx, db, slog.New(slog.DiscardHandler))
}

func adminAddTarget(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "office code, e.g. 73.71 (required)")
	name := fs.String("name", "", "target name, unique in the office, e.g. central-api (required)")
	kind := fs.String("kind", "central", "central (the national registry) or internet (a reference)")
	check := fs.String("check", "http", "check type: tcp, http, tls, dns, icmp")
	address := fs.String("address", "", "host:port, URL or host name, by check type (required)")
	status := fs.Int("expect-status", 0, "HTTP status that counts as up (0: any 200-399)")
	body := fs.String("body-contains", "", "text the HTTP body must contain")
	interval := fs.Duration("interval", 30*time.Second, "how often the probe checks")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of one check")
	failT := fs.Int("fail-threshold", api.DefaultThresholds.Fail, "consecutive failures that open an outage")
	recT := fs.Int("recover-threshold", api.DefaultThresholds.Recover, "consecutive successes that close it")
	silence := fs.Int("silence-after", api.DefaultThresholds.SilenceAfter, "silent intervals after which the state is unknown")
	caFile := fs.String("tls-ca", "", "PEM file of CA certificates to trust for tls and https checks instead of the system roots; its text is handed to the agents")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	if *office == "" {
		return fmt.Errorf("-office: required")
	}
	var ca string
	if *caFile != "" {
		b, err := readCABundle(*caFile)
		if err != nil {
			return err
		}
		ca = b
	}
	t, err := store.CreateTarget(ctx, api.Target{OfficeCode: *office, Interval: *interval,
		Thresholds: api.Thresholds{Fail: *failT, Recover: *recT, SilenceAfter: *silence},
		Spec: probe.Target{Name: *name, Kind: probe.TargetKind(*kind), Check: probe.CheckType(*check), Address: *address,
			ExpectStatus: *status, BodyContains: *body, Timeout: probe.Duration(*timeout), TLSCA: ca}})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "target %d %q added to office %s\n", t.ID, t.Spec.Name, t.OfficeCode)
	return nil
}

// readCABundle reads a PEM bundle for -tls-ca, bounded so a wrong path
// (a disk image, a log) fails at once.
func readCABundle(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("-tls-ca: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, probe.MaxCABundle+1))
	if err != nil {
		return "", fmt.Errorf("-tls-ca: read %s: %w", path, err)
	}
	if len(b) > probe.MaxCABundle {
		return "", fmt.Errorf("-tls-ca: %s is over %d bytes; want a PEM bundle of CA certificates", path, probe.MaxCABundle)
	}
	return string(b), nil
}

func adminListTargets(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "office code (empty: all)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	ts, err := store.Targets(ctx, *office)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tOFFICE\tNAME\tKIND\tCHECK\tADDRESS\tINTERVAL\tTHRESHOLDS")
	for _, t := range ts {
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d/%d\n", t.ID, t.OfficeCode, t.Spec.Name, t.Spec.Kind, t.Spec.Check,
			t.Spec.Address, t.Interval, t.Thresholds.Fail, t.Thresholds.Recover, t.Thresholds.SilenceAfter)
	}
	return w.Flush()
}

func adminAddProbe(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "office code, e.g. 73.71 (required)")
	name := fs.String("name", "kantor-utama", "probe name, unique in the office")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	if *office == "" {
		return fmt.Errorf("-office: required")
	}
	p, token, err := store.CreateProbe(ctx, *office, *name)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "probe %d %q registered for office %s\n", p.ID, p.Name, p.OfficeCode)
	fmt.Fprintf(out, "token (shown once, put it in the agent's config):\n%s\n", token)
	return nil
}

func adminListProbes(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "office code (empty: all)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	ps, minimum, err := store.AgentStatuses(ctx, *office)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tOFFICE\tNAME\tSTATE\tLAST SEEN\tVERSION\tOUTDATED\tUPDATE\tOS\tSPOOL\tDROPPED\tCLOCK OFFSET")
	for _, p := range ps {
		state, seen, outdated := "active", "never", "-"
		if p.RevokedAt != nil {
			state = "revoked"
		}
		if p.LastSeenAt != nil {
			seen = p.LastSeenAt.Format(time.RFC3339)
		}
		if p.Outdated {
			outdated = "OUTDATED"
		}
		update := "-"
		if p.UpdateState != api.UpdateNone {
			update = p.UpdateState + " " + p.UpdateVersion
		}
		clock := fmt.Sprintf("%dms", p.ClockOffsetMS)
		if p.ClockSkewed {
			clock += " CLOCK"
		}
		fmt.Fprintf(w, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\t%d\t%d\t%s\n", p.ID, p.OfficeCode, p.Name, state, seen,
			p.AgentVersion, outdated, update, p.AgentOS, p.AgentArch, p.SpoolDepth, p.Dropped, clock)
	}
	if minimum != "" {
		fmt.Fprintf(w, "\nminimum agent version: %s\n", minimum)
	}
	return w.Flush()
}

func adminSetMinAgentVersion(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: pantau admin set-min-agent-version [flags] VERSION\n\n"+
			"Agents that report an older VERSION (e.g. 1.2.0), or an unreadable one such as dev,\n"+
			"are shown as OUTDATED by list-probes. An empty VERSION ('') clears the minimum.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	store, err := openFor(ctx, fs, db, args, 1, "set-min-agent-version: give one VERSION, e.g. 1.2.0 ('' clears it)")
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.SetMinAgentVersion(ctx, fs.Arg(0)); err != nil {
		return err
	}
	if fs.Arg(0) == "" {
		fmt.Fprintln(out, "minimum agent version cleared")
		return nil
	}
	fmt.Fprintf(out, "minimum agent version set to %s; older agents show as OUTDATED in list-probes\n", fs.Arg(0))
	return nil
}

func adminRevokeProbe(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "office code (required)")
	id := fs.String("id", "", "probe id (required)")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	n, err := strconv.ParseInt(*id, 10, 64)
	if err != nil {
		return fmt.Errorf("-id: %q is not a probe id", *id)
	}
	if err := store.RevokeProbe(ctx, *office, n); err != nil {
		return err
	}
	fmt.Fprintf(out, "probe %d of office %s revoked\n", n, *office)
	return nil
}

func adminEnrolCode(ctx context.Context, fs *flag.FlagSet, db *dbFlags, args []string, out io.Writer) error {
	office := fs.String("office", "", "office code, e.g. 73.71 (required)")
	ttl := fs.Duration("ttl", api.DefaultEnrolmentTTL, "how long the code stays valid")
	by := fs.String("by", os.Getenv("USER"), "who made the code, for the record")
	store, err := openFor(ctx, fs, db, args, 0, "")
	if err != nil {
		return err
	}
	defer store.Close()
	if *office == "" {
		return fmt.Errorf("-office: required")
	}
	code, expires, err := store.CreateEnrolmentCode(ctx, *office, *ttl, *by)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "enrolment code for office %s (single use, valid until %s):\n%s\n", *office, expires.UTC().Format(time.RFC3339), code)
	fmt.Fprintf(out, "on the office PC: pantau-probe enrol --server URL --code %s\n", code)
	return nil
}
