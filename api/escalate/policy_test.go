package escalate

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/pgtest"
)

const samplePolicy = `
language: en
policy:
  province_after_working_hours: 90m
  national_after: 12h
  reminder_every: 2h
  digest_at: "07:45"
  gather_window: 45s
  reopen_window: 15m
  late_notice: false
channels:
  national: C0NATIONAL
  provinces:
    "73": C0SULSEL
  offices:
    "73.71": C0MAKASSAR
`

func TestParsePolicy(t *testing.T) {
	p, err := ParsePolicy([]byte(samplePolicy))
	if err != nil {
		t.Fatal(err)
	}
	want := Policy{Language: "en", ProvinceAfter: 90 * time.Minute, NationalAfter: 12 * time.Hour,
		ReminderEvery: 2 * time.Hour, DigestAt: "07:45", GatherWindow: 45 * time.Second, ReopenWindow: 15 * time.Minute, LateNotice: false,
		MaintenanceNote: true, Channels: Channels{National: "C0NATIONAL",
			Provinces: map[string]string{"73": "C0SULSEL"}, Offices: map[string]string{"73.71": "C0MAKASSAR"}}}
	if !reflect.DeepEqual(p, want) {
		t.Fatalf("got %+v\nwant %+v", p, want)
	}
}

func TestParsePolicyDefaults(t *testing.T) {
	p, err := ParsePolicy([]byte("channels:\n  national: CNAT\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Language != "id" || p.ProvinceAfter != 2*time.Hour || p.NationalAfter != 24*time.Hour ||
		p.ReminderEvery != 4*time.Hour || p.DigestAt != "08:00" {
		t.Fatalf("defaults not applied: %+v", p)
	}
}

func TestParsePolicyErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name, yaml, field string
	}{
		{"bad language", "language: jv\n", "language"},
		{"bad duration", "policy:\n  national_after: soon\n", "policy.national_after"},
		{"too short", "policy:\n  reminder_every: 10s\n", "policy.reminder_every"},
		{"bad digest time", "policy:\n  digest_at: '25:00'\n", "policy.digest_at"},
		{"bad office code", "channels:\n  offices:\n    '7371': C1\n", "channels.offices.7371"},
		{"bad province channel", "channels:\n  provinces:\n    '73': '#sulsel'\n", "channels.provinces.73"},
		{"bad national channel", "channels:\n  national: 'general'\n", "channels.national"},
		{"unknown key", "langauge: id\n", "yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParsePolicy([]byte(tc.yaml))
			if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
				t.Fatalf("got %v (field %q), want invalid %s", err, api.ErrorField(err), tc.field)
			}
		})
	}
}

func TestPolicyRoundTripsThroughPostgres(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	got, err := storedPolicy(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	if def := DefaultPolicy(); got.ProvinceAfter != def.ProvinceAfter || got.ReminderEvery != def.ReminderEvery ||
		got.Language != "id" || len(got.Channels.Offices) != 0 {
		t.Fatalf("fresh database policy %+v, want the defaults", got)
	}
	want, err := ParsePolicy([]byte(samplePolicy))
	if err != nil {
		t.Fatal(err)
	}
	if err := SavePolicy(ctx, escStore(pool), want); err != nil {
		t.Fatal(err)
	}
	if got, err = storedPolicy(ctx, pool); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded %+v\nsaved %+v", got, want)
	}
	bad := want
	bad.DigestAt = "8am"
	if err := SavePolicy(ctx, escStore(pool), bad); api.ErrorField(err) != "policy.digest_at" {
		t.Fatalf("saving an invalid policy: %v", err)
	}
}
