package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/api/postgres"
	"github.com/pantau-id/pantau/report/doctype"
)

func TestDocTypeOverridesRefuseBadInputByField(t *testing.T) {
	t.Parallel()
	s := mustModelOffices(t)
	ctx := context.Background()
	week := doctype.SLA{Kind: doctype.WorkingDays, N: 5}
	ten, name := 10, "Surat Keterangan"
	at := func(n int) *int { return &n }
	str := func(s string) *string { return &s }
	full := func(code string) doctype.Override {
		return doctype.Override{Code: code, Name: &name, NeedsCentral: new(bool), SLA: &week, StaffMinutes: &ten}
	}
	tests := []struct {
		name  string
		ovs   []doctype.Override
		field string
	}{
		{"duplicate code", []doctype.Override{full("SKD"), full("SKD")}, "overrides[1].code"},
		{"NUL in name", []doctype.Override{{Code: doctype.KK, Name: str("Kartu\x00Keluarga")}}, "overrides[0].name"},
		{"invalid UTF-8 in name", []doctype.Override{{Code: doctype.KK, Name: str("Kartu \xff")}}, "overrides[0].name"},
		{"long name", []doctype.Override{{Code: doctype.KK, Name: str(strings.Repeat("n", api.MaxName+1))}}, "overrides[0].name"},
		{"NUL in code", []doctype.Override{{Code: "K\x00K", StaffMinutes: &ten}}, "overrides[0].code"},
		{"lower-case code", []doctype.Override{full("skd")}, "overrides[0].code"},
		{"empty code", []doctype.Override{{Code: "", StaffMinutes: &ten}}, "overrides[0].code"},
		{"minutes past a working day", []doctype.Override{{Code: doctype.KK, StaffMinutes: at(1e9)}}, "overrides[0].staff_minutes"},
		{"no minutes", []doctype.Override{{Code: doctype.KK, StaffMinutes: at(0)}}, "overrides[0].staff_minutes"},
		{"promise past a year", []doctype.Override{{Code: doctype.KK, SLA: &doctype.SLA{Kind: doctype.CalendarDays, N: 4000}}}, "overrides[0].sla"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.PutDocTypeOverrides(ctx, "73.71", tc.ovs)
			if api.ErrorCode(err) != api.EInvalid || api.ErrorField(err) != tc.field {
				t.Fatalf("err = %v, want invalid naming %s", err, tc.field)
			}
		})
	}
	if err := s.PutDocTypeOverrides(ctx, "73.71", []doctype.Override{{Code: doctype.KK, StaffMinutes: at(postgres.MaxStaffMinutes)}}); err != nil {
		t.Fatalf("a whole day's minutes: %v", err)
	}
}
