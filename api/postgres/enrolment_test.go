package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
)

// A host enrols under its own name; a name taken (by a host with a suffixed
// name, or a previous install) gets the first free suffix, every time.
func TestEnrolmentNamesStayUsable(t *testing.T) {
	t.Parallel()
	s := mustModelOffices(t)
	ctx := context.Background()
	enrol := func(name string) (string, error) {
		t.Helper()
		code, _, err := s.CreateEnrolmentCode(ctx, "73.71", time.Hour, "test")
		if err != nil {
			t.Fatal(err)
		}
		p, _, err := s.Enrol(ctx, code, name)
		return p.Name, err
	}
	for i, want := range []struct{ name, got string }{
		{"pc-3", "pc-3"}, {"pc", "pc"}, {"pc", "pc-2"}, {"pc", "pc-4"}, {"pc", "pc-5"}, {"pc-3", "pc-3-2"},
	} {
		got, err := enrol(want.name)
		if err != nil || got != want.got {
			t.Fatalf("enrolment %d as %q: %q, %v; want %q", i, want.name, got, err, want.got)
		}
	}
	// Bad names are refused by field before anything is used up, and the
	// same code still works afterwards.
	code, _, err := s.CreateEnrolmentCode(ctx, "73.71", time.Hour, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"pc\x00", "pc\xff", strings.Repeat("h", postgres.MaxProbeName), "pc\tloket"} {
		if _, _, err := s.Enrol(ctx, code, bad); api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != "name" {
			t.Fatalf("name %q: %v, want invalid naming name", bad, err)
		}
	}
	if p, _, err := s.Enrol(ctx, code, "loket"); err != nil || p.Name != "loket" {
		t.Fatalf("the code after refused names: %+v, %v", p, err)
	}
	if _, _, err := s.Enrol(ctx, "AB\x00C", "x"); api.ErrorField(err) != "code" {
		t.Fatalf("NUL in code: %v", err)
	}
	if _, _, err := s.CreateProbe(ctx, "73.71", strings.Repeat("x", 5000)); api.ErrorField(err) != "name" {
		t.Fatalf("5 KB probe name: %v", err)
	}
}
