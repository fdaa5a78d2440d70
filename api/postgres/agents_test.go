package postgres_test

import (
	"context"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
	"github.com/pantau-id/pantau/probe"
)

func TestMinAgentVersionFlagsOldAgents(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := pgtest.Store(t)
	p, _, _ := mustOffice(t, s)
	if v, err := s.MinAgentVersion(ctx); err != nil || v != "" {
		t.Fatalf("fresh minimum = %q, %v; want none", v, err)
	}
	if err := s.SetMinAgentVersion(ctx, "one point two"); api.ErrorCode(err) != api.EInvalid {
		t.Fatalf("bad version: %v, want invalid", err)
	}
	if err := s.SetMinAgentVersion(ctx, "v1.2.0"); err != nil {
		t.Fatalf("set: %v", err)
	}
	st, minimum, err := s.AgentStatuses(ctx, "73.71")
	if err != nil || minimum != "1.2.0" || len(st) != 1 || st[0].Outdated {
		t.Fatalf("before any report: %+v, %q, %v; want one probe, not outdated", st, minimum, err)
	}
	if _, err := s.IngestResults(ctx, p, probe.AgentInfo{Version: "1.1.0", OS: "windows", Arch: "amd64", SpoolDepth: 7}, nil); err != nil {
		t.Fatalf("ingest: %v", err)
	}
	st, _, err = s.AgentStatuses(ctx, "73.71")
	if err != nil || !st[0].Outdated || st[0].AgentVersion != "1.1.0" || st[0].AgentOS != "windows" || st[0].SpoolDepth != 7 {
		t.Fatalf("after a 1.1.0 report: %+v, %v; want outdated", st, err)
	}
	if err := s.SetMinAgentVersion(ctx, ""); err != nil {
		t.Fatalf("clear: %v", err)
	}
	if st, _, _ = s.AgentStatuses(ctx, ""); st[0].Outdated {
		t.Fatalf("outdated with no minimum: %+v", st[0])
	}
}
