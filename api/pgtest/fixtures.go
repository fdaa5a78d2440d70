package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/probe"
)

// Office is a fixture office as the store holds it: the office, its
// province, its targets (with their ids) and its settings.
type Office struct {
	api.Office
	Province api.Province
	// Central and Internet are the office's two targets: the central
	// registry and the internet reference, TCP checks to a loopback port
	// nothing listens on, every five minutes.
	Central, Internet api.Target
	Settings          api.OfficeSettings
}

// Makassar writes the seed case's office (DESIGN.md): Kota Makassar, 73.71,
// in Sulawesi Selatan (73), WITA, with its targets and its recorded settings,
// which are the model's defaults: 4 processing staff, at most 4 overtime
// hours a day, Rp 20.000 an overtime hour and Rp 37.000 meal allowance, the
// civil-service week. Safe to call twice on one store.
func Makassar(t testing.TB, s *postgres.Store) Office {
	t.Helper()
	settings := api.DefaultOfficeSettings("73.71")
	return fixture(t, s,
		api.Province{Code: "73", Name: "Sulawesi Selatan", TZ: "Asia/Makassar"},
		api.Office{Code: "73.71", Name: "Kota Makassar", ProvinceCode: "73", Kind: "kota", TZ: "Asia/Makassar", Population: 1_470_000},
		&settings)
}

// Kendari writes an office of another province in the same zone: Kota
// Kendari, 74.71, in Sulawesi Tenggara (74), WITA, with its targets and no
// recorded settings (it runs on the defaults). Safe to call twice.
func Kendari(t testing.TB, s *postgres.Store) Office {
	t.Helper()
	return fixture(t, s,
		api.Province{Code: "74", Name: "Sulawesi Tenggara", TZ: "Asia/Makassar"},
		api.Office{Code: "74.71", Name: "Kota Kendari", ProvinceCode: "74", Kind: "kota", TZ: "Asia/Makassar", Population: 345_000},
		nil)
}

// fixture upserts the province and office, puts the two targets, records
// settings when not nil, and returns what the store then holds.
func fixture(t testing.TB, s *postgres.Store, p api.Province, o api.Office, settings *api.OfficeSettings) Office {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), adminTimeout)
	defer cancel()
	if err := s.UpsertRegions(ctx, []api.Province{p}, []api.Office{o}, nil); err != nil {
		t.Fatalf("pgtest: fixture %s: %v", o.Code, err)
	}
	f := Office{Office: o, Province: p}
	for _, tg := range []struct {
		into *api.Target
		kind probe.TargetKind
	}{{&f.Central, probe.KindCentral}, {&f.Internet, probe.KindInternet}} {
		spec := probe.Target{Name: string(tg.kind), Kind: tg.kind, Check: probe.CheckTCP, Address: "127.0.0.1:1"}
		put, err := s.PutTarget(ctx, api.Target{OfficeCode: o.Code, Spec: spec, Interval: 5 * time.Minute})
		if err != nil {
			t.Fatalf("pgtest: fixture %s target %s: %v", o.Code, spec.Name, err)
		}
		*tg.into = put
	}
	if settings != nil {
		if err := s.PutOfficeSettings(ctx, *settings, 0, time.Now()); err != nil {
			t.Fatalf("pgtest: fixture %s settings: %v", o.Code, err)
		}
	}
	var err error
	if f.Settings, err = s.OfficeSettings(ctx, o.Code); err != nil {
		t.Fatalf("pgtest: fixture %s settings: %v", o.Code, err)
	}
	return f
}
