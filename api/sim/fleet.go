// Package sim simulates the nation for load tests, soak tests and demos at
// scale: a simulated central registry whose reachability follows a script of
// cuts (national, one province, one office, flapping), and N simulated
// probes, one per office (or per service point past 514), that measure it on
// their schedule, keep what they measure in memory while their link is down,
// and deliver it in gzip batches to a running server's HTTP API.
//
// Probes and targets are registered through the Store, as `pantau admin`
// would; results travel only over HTTP, so the server is exercised exactly as
// the office agents exercise it.
package sim

import (
	"context"
	"fmt"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// Target names every simulated office gets (SecondCentralTarget only with
// RegisterConfig.ThreeTargets).
const (
	CentralTarget       = "sim-central"
	InternetTarget      = "sim-internet"
	SecondCentralTarget = "sim-central-2"
)

// Member is one registered simulated probe.
type Member struct {
	Office   api.Office
	ProbeID  int64
	Token    string
	Interval time.Duration
	// TargetIDs maps CentralTarget and InternetTarget (and
	// SecondCentralTarget when registered) to their ids.
	TargetIDs map[string]int64
}

// RegisterConfig says how many probes to register and how.
type RegisterConfig struct {
	// Probes is how many simulated probes to register. Past the number of
	// offices they are service points, given to offices in turn.
	Probes int
	// Interval is the check interval stored on the targets.
	Interval time.Duration
	// CentralAddress is what the central target points at (the simulated
	// central registry); only shown in the spec, the simulation never dials it.
	CentralAddress string
	// RunID makes probe names unique per run, so a rerun on the same database
	// gets new tokens instead of a conflict.
	RunID string
	// Progress, when set, is told how many probes are registered so far.
	Progress func(done, total int)
	// ThreeTargets adds a second central target (another service of the
	// central registry, cut with it), so each probe sends three results a
	// round.
	ThreeTargets bool
}

// Register makes sure the regions exist, gives each office used the two
// simulated targets, and registers cfg.Probes probes, returning their tokens.
func Register(ctx context.Context, store *postgres.Store, provinces []api.Province, offices []api.Office, cfg RegisterConfig) ([]Member, error) {
	if cfg.Probes <= 0 {
		return nil, fmt.Errorf("sim: register at least one probe")
	}
	if len(offices) == 0 {
		return nil, fmt.Errorf("sim: no offices to register probes for")
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.CentralAddress == "" {
		cfg.CentralAddress = "http://127.0.0.1:9/central"
	}
	if cfg.RunID == "" {
		cfg.RunID = time.Now().UTC().Format("20060102T150405")
	}
	if err := store.UpsertRegions(ctx, provinces, offices, nil); err != nil {
		return nil, fmt.Errorf("sim: regions: %w", err)
	}
	used := offices
	if cfg.Probes < len(offices) {
		used = offices[:cfg.Probes]
	}
	ids := make(map[string]map[string]int64, len(used))
	for _, o := range used {
		m, err := ensureTargets(ctx, store, o.Code, cfg)
		if err != nil {
			return nil, err
		}
		ids[o.Code] = m
	}
	members := make([]Member, 0, cfg.Probes)
	for i := range cfg.Probes {
		o := used[i%len(used)]
		name := fmt.Sprintf("sim-%s-%d", cfg.RunID, i)
		p, token, err := store.CreateProbe(ctx, o.Code, name)
		if err != nil {
			return nil, fmt.Errorf("sim: register probe %s of %s: %w", name, o.Code, err)
		}
		members = append(members, Member{Office: o, ProbeID: p.ID, Token: token, Interval: cfg.Interval, TargetIDs: ids[o.Code]})
		if cfg.Progress != nil && ((i+1)%100 == 0 || i+1 == cfg.Probes) {
			cfg.Progress(i+1, cfg.Probes)
		}
	}
	return members, nil
}

// ensureTargets creates the office's two simulated targets if missing.
func ensureTargets(ctx context.Context, store *postgres.Store, office string, cfg RegisterConfig) (map[string]int64, error) {
	have, err := store.TargetIDs(ctx, office)
	if err != nil {
		return nil, fmt.Errorf("sim: targets of %s: %w", office, err)
	}
	specs := []probe.Target{
		{Name: CentralTarget, Kind: probe.KindCentral, Check: probe.CheckHTTP, Address: cfg.CentralAddress},
		{Name: InternetTarget, Kind: probe.KindInternet, Check: probe.CheckTCP, Address: "127.0.0.1:9"},
	}
	if cfg.ThreeTargets {
		specs = append(specs, probe.Target{Name: SecondCentralTarget, Kind: probe.KindCentral, Check: probe.CheckHTTP, Address: cfg.CentralAddress + "/2"})
	}
	out := map[string]int64{}
	for _, spec := range specs {
		if id, ok := have[spec.Name]; ok {
			out[spec.Name] = id
			continue
		}
		t, err := store.CreateTarget(ctx, api.Target{OfficeCode: office, Spec: spec, Interval: cfg.Interval.Truncate(time.Second)})
		if err != nil {
			return nil, fmt.Errorf("sim: target %s of %s: %w", spec.Name, office, err)
		}
		out[spec.Name] = t.ID
	}
	return out, nil
}
