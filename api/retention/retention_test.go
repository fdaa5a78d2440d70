package retention_test

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/clock"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/api/retention"
	"github.com/pantau-id/pantau/api/sim"
	"github.com/pantau-id/pantau/probe"
)

func mustIngest(t *testing.T, s *postgres.Store, m sim.Member, seq uint64, at time.Time) {
	t.Helper()
	items := []api.IngestItem{{TargetID: m.TargetIDs[sim.CentralTarget], Result: probe.Result{
		Seq: seq, Target: sim.CentralTarget, ObservedAt: at, OK: true, LatencyMS: 20}}}
	out, err := s.IngestResults(context.Background(), api.Probe{OfficeCode: m.Office.Code, ID: m.ProbeID}, probe.AgentInfo{}, items)
	if err != nil || out.Accepted != 1 {
		t.Fatalf("ingest %v: %+v %v", at, out, err)
	}
}

func mustRun(t *testing.T, j *retention.Job) retention.Report {
	t.Helper()
	rep, err := j.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return rep
}

func days(t *testing.T, s *postgres.Store) []string {
	t.Helper()
	ds, err := s.ResultPartitions(context.Background())
	if err != nil {
		t.Fatalf("partitions: %v", err)
	}
	var out []string
	for _, d := range ds {
		out = append(out, d.Format("01-02"))
	}
	return out
}

func TestRunOnceKeepsRawDaysRollsUpThenDrops(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	ms, err := sim.Register(ctx, s, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}},
		sim.RegisterConfig{Probes: 1, RunID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	today := time.Date(2020, 1, 16, 0, 0, 0, 0, time.UTC)
	// One result at noon on each of the ten days up to today.
	for i := range 10 {
		mustIngest(t, s, m, uint64(i+1), today.AddDate(0, 0, i-9).Add(12*time.Hour))
	}
	if err := s.SetRetentionPolicy(ctx, api.RetentionPolicy{RawDays: 4}); err != nil {
		t.Fatal(err)
	}
	// 13:00 and settled: every result's hour has closed.
	j := retention.New(s, retention.Config{Ahead: 2, Clock: clock.NewManual(today.Add(13*time.Hour + retention.DefaultSettle))})
	rep := mustRun(t, j)
	if got, want := days(t, s), []string{"01-13", "01-14", "01-15", "01-16", "01-17", "01-18"}; !equal(got, want) {
		t.Fatalf("partitions %v, want %v (4 raw days and 2 ahead)", got, want)
	}
	if len(rep.Dropped) != 6 || rep.Rollups.Hours != 10 {
		t.Fatalf("report %+v: want 6 dropped, 10 hours rolled up", rep)
	}
	// Rollups outlive the raw rows they came from.
	all, err := s.Rollups(ctx, api.RollupFilter{})
	if err != nil || len(all) != 10 {
		t.Fatalf("rollups: %d, %v; want 10", len(all), err)
	}

	// A straggler for a day already dropped: the hour's rollup, made from
	// the full hour while its raw rows existed, is kept as it was (not
	// replaced by a recomputation from the straggler alone), and the
	// recreated partition goes again.
	late := today.AddDate(0, 0, -8).Add(12*time.Hour + time.Minute)
	mustIngest(t, s, m, 11, late)
	rep = mustRun(t, j)
	if len(rep.Dropped) != 1 || !rep.Dropped[0].Equal(today.AddDate(0, 0, -8)) {
		t.Fatalf("dropped %v, want the late day only", rep.Dropped)
	}
	hour, err := s.Rollups(ctx, api.RollupFilter{From: late.Truncate(time.Hour), To: late.Truncate(time.Hour).Add(time.Hour)})
	if err != nil || len(hour) != 1 || hour[0].Checks != 1 {
		t.Fatalf("late hour rollup %+v, %v: want the 1 check it had", hour, err)
	}
	// Within retention, a late result updates its hour.
	mustIngest(t, s, m, 12, today.AddDate(0, 0, -1).Add(12*time.Hour+time.Minute))
	mustRun(t, j)
	hour, err = s.Rollups(ctx, api.RollupFilter{From: today.AddDate(0, 0, -1).Add(12 * time.Hour), To: today.AddDate(0, 0, -1).Add(13 * time.Hour)})
	if err != nil || len(hour) != 1 || hour[0].Checks != 2 {
		t.Fatalf("yesterday's noon rollup %+v, %v: want 2 checks", hour, err)
	}

	// Nothing new: a run changes nothing and recomputes no hour.
	rep = mustRun(t, j)
	if len(rep.Dropped) != 0 || rep.Rollups.Hours != 0 {
		t.Fatalf("idle run dropped %v, recomputed %d hours", rep.Dropped, rep.Rollups.Hours)
	}
}

// TestRollupsWaitForTheHourToClose: results of the hour still open are not
// rolled up (they would be recomputed at every run); once it has closed
// and settled the hour is computed once, and results in other hours touch
// only their own.
func TestRollupsWaitForTheHourToClose(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	ms, err := sim.Register(ctx, s, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}},
		sim.RegisterConfig{Probes: 1, RunID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2020, 1, 16, 10, 30, 0, 0, time.UTC)
	clk := clock.NewManual(now)
	j := retention.New(s, retention.Config{Clock: clk})
	mustIngest(t, s, ms[0], 1, now.Add(-20*time.Minute)) // 10:10, the open hour
	mustIngest(t, s, ms[0], 2, now.Add(-80*time.Minute)) // 09:10, closed
	if rep := mustRun(t, j); rep.Rollups.Hours != 1 {
		t.Fatalf("first run recomputed %d hours, want 1 (09:00)", rep.Rollups.Hours)
	}
	if rep := mustRun(t, j); rep.Rollups.Hours != 0 {
		t.Fatalf("second run recomputed %d hours, want none", rep.Rollups.Hours)
	}
	mustIngest(t, s, ms[0], 3, now.Add(-5*time.Minute))    // 10:25
	clk.Set(time.Date(2020, 1, 16, 11, 1, 0, 0, time.UTC)) // closed, not settled
	if rep := mustRun(t, j); rep.Rollups.Hours != 0 {
		t.Fatalf("run before the hour settled recomputed %d hours", rep.Rollups.Hours)
	}
	clk.Advance(retention.DefaultSettle)
	if rep := mustRun(t, j); rep.Rollups.Hours != 1 {
		t.Fatalf("run after 10:00 settled recomputed %d hours, want 1", rep.Rollups.Hours)
	}
	hour, err := s.Rollups(ctx, api.RollupFilter{From: time.Date(2020, 1, 16, 10, 0, 0, 0, time.UTC), To: time.Date(2020, 1, 16, 11, 0, 0, 0, time.UTC)})
	if err != nil || len(hour) != 1 || hour[0].Checks != 2 {
		t.Fatalf("10:00 rollup %+v, %v; want 2 checks", hour, err)
	}
}

func TestRollupRetentionDeletesOldHours(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	ctx := context.Background()
	ms, err := sim.Register(ctx, s, []api.Province{{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"}},
		[]api.Office{{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar"}},
		sim.RegisterConfig{Probes: 1, RunID: "t"})
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range 40 {
		mustIngest(t, s, ms[0], uint64(i+1), today.AddDate(0, 0, -i))
	}
	if err := s.SetRetentionPolicy(ctx, api.RetentionPolicy{RawDays: 10, RollupDays: 30}); err != nil {
		t.Fatal(err)
	}
	j := retention.New(s, retention.Config{Clock: clock.NewManual(today.Add(time.Hour + retention.DefaultSettle))})
	rep := mustRun(t, j)
	left, err := s.Rollups(ctx, api.RollupFilter{})
	if err != nil || len(left) != 30 || rep.RollupsDeleted != 10 {
		t.Fatalf("rollups left %d (deleted %d), %v; want 30 left", len(left), rep.RollupsDeleted, err)
	}
}

func TestSetRetentionPolicyNamesTheBadField(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	tests := []struct {
		name  string
		p     api.RetentionPolicy
		field string
	}{
		{"raw days below two", api.RetentionPolicy{RawDays: 1}, "raw_days"},
		{"rollups shorter than raw", api.RetentionPolicy{RawDays: 30, RollupDays: 7}, "rollup_days"},
		{"negative rollup days", api.RetentionPolicy{RawDays: 30, RollupDays: -1}, "rollup_days"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.SetRetentionPolicy(context.Background(), tc.p)
			e, ok := err.(*api.Error)
			if !ok || e.Field != tc.field {
				t.Fatalf("error %v, want a field error on %s", err, tc.field)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestStartRunsAtOnceThenEveryIntervalAndStops: the job is a background
// service on its clock: the first run at start makes today's and
// tomorrow's partitions; after an Interval (the day has turned) the next
// run makes the new tomorrow's; Stop waits for it to end.
func TestStartRunsAtOnceThenEveryIntervalAndStops(t *testing.T) {
	t.Parallel()
	s := pgtest.Store(t)
	today := time.Date(2020, 1, 16, 0, 0, 0, 0, time.UTC)
	clk := clock.NewManual(today)
	j := retention.New(s, retention.Config{Interval: 24 * time.Hour, Ahead: 1, Clock: clk})
	go j.Start(context.Background())
	waitIdle := func(n int) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := clk.WaitForWaiters(ctx, n); err != nil {
			t.Fatalf("run %d did not finish: %v", n, err)
		}
	}
	waitIdle(1)
	if got, want := days(t, s), []string{"01-16", "01-17"}; !equal(got, want) {
		t.Fatalf("partitions after the first run %v, want %v", got, want)
	}
	clk.Advance(24 * time.Hour)
	waitIdle(1) // the first wait fired; this is the second run's
	if got, want := days(t, s), []string{"01-16", "01-17", "01-18"}; !equal(got, want) {
		t.Fatalf("partitions after a day %v, want %v", got, want)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := j.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-j.Done():
	default:
		t.Fatal("Stop returned before Start did")
	}
}
