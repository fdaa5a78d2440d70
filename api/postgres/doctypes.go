package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/pantau-id/pantau/api"
	"github.com/pantau-id/pantau/report/doctype"
)

// Document types: the national catalogue is doctype.Defaults(); an office
// stores only its overrides (office_doc_types), which Catalogue.With merges.

// DocTypeOverrides returns each office's overrides, by code.
func (r *ModelReader) DocTypeOverrides(ctx context.Context, codes []string) (map[string][]doctype.Override, error) {
	rows, err := r.q.Query(ctx, `SELECT office_code, code, name, needs_central, sla_kind, sla_n, staff_minutes
		FROM office_doc_types WHERE office_code = ANY($1) ORDER BY office_code, code`, codes)
	if err != nil {
		return nil, fmt.Errorf("document type overrides: %w", err)
	}
	out := map[string][]doctype.Override{}
	var (
		office  string
		o       doctype.Override
		slaKind *string
		slaN    *int
	)
	_, err = pgx.ForEachRow(rows, []any{&office, &o.Code, &o.Name, &o.NeedsCentral, &slaKind, &slaN, &o.StaffMinutes}, func() error {
		if slaKind != nil && slaN != nil {
			o.SLA = &doctype.SLA{Kind: doctype.SLAKind(*slaKind), N: *slaN}
		}
		out[office] = append(out[office], o)
		o = doctype.Override{}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("document type overrides: %w", err)
	}
	return out, nil
}

// Catalogue returns an office's catalogue: the national defaults with its
// overrides merged.
func (r *ModelReader) Catalogue(ctx context.Context, office string) (doctype.Catalogue, error) {
	ovs, err := r.DocTypeOverrides(ctx, []string{office})
	if err != nil {
		return nil, err
	}
	cat, err := doctype.Defaults().With(ovs[office]...)
	if err != nil {
		return nil, api.Errorf(api.EInvalid, "office %s: document types: %v", office, err)
	}
	return cat, nil
}

// DocTypeOverrides returns the office's overrides.
func (s *Store) DocTypeOverrides(ctx context.Context, office string) ([]doctype.Override, error) {
	m, err := s.ModelReader().DocTypeOverrides(ctx, []string{office})
	if err != nil {
		return nil, err
	}
	return m[office], nil
}

// PutDocTypeOverrides replaces the office's overrides with ovs, after
// checking that the merged catalogue is valid (a new type needs every
// field). One statement pair in one transaction: all or nothing.
func (s *Store) PutDocTypeOverrides(ctx context.Context, office string, ovs []doctype.Override) error {
	if err := checkOverrides(ovs); err != nil {
		return err
	}
	if _, err := doctype.Defaults().With(ovs...); err != nil {
		return api.FieldErrorf("doc_types", "%v", err)
	}
	n := len(ovs)
	var (
		codes, names = make([]string, n), make([]*string, n)
		central      = make([]*bool, n)
		kinds        = make([]*string, n)
		ns, minutes  = make([]*int, n), make([]*int, n)
	)
	for i, o := range ovs {
		codes[i], names[i], central[i], minutes[i] = o.Code, o.Name, o.NeedsCentral, o.StaffMinutes
		if o.SLA != nil {
			k, v := string(o.SLA.Kind), o.SLA.N
			kinds[i], ns[i] = &k, &v
		}
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM office_doc_types WHERE office_code = $1`, office); err != nil {
			return fmt.Errorf("replace document types: %w", err)
		}
		_, err := tx.Exec(ctx, `INSERT INTO office_doc_types (office_code, code, name, needs_central, sla_kind, sla_n, staff_minutes)
			SELECT $1, c, nm, nc, k, n, m
			FROM unnest($2::text[], $3::text[], $4::boolean[], $5::text[], $6::integer[], $7::integer[]) AS u(c, nm, nc, k, n, m)`,
			office, codes, names, central, kinds, ns, minutes)
		return mapError(err, "document type")
	})
}

// MaxStaffMinutes bounds a type's work per file: a whole working day for one
// file is already far past any document the registry issues.
const MaxStaffMinutes = 8 * 60

// checkOverrides names the first override whose code, name or minutes the
// store must not take, and a code given twice (which the table's key would
// refuse as a conflict, though it is the caller's mistake).
func checkOverrides(ovs []doctype.Override) error {
	seen := make(map[string]int, len(ovs))
	for i, o := range ovs {
		at := func(f string) string { return fmt.Sprintf("overrides[%d].%s", i, f) }
		if err := api.CheckLine(at("code"), o.Code, 32); err != nil {
			return err
		}
		if o.Code == "" || strings.ContainsFunc(o.Code, func(r rune) bool {
			return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
		}) {
			return api.FieldErrorf(at("code"), "%q: want capitals, digits, - or _ (e.g. AKTA-LAHIR)", o.Code)
		}
		if j, dup := seen[o.Code]; dup {
			return api.FieldErrorf(at("code"), "%s is also overrides[%d]", o.Code, j)
		}
		seen[o.Code] = i
		if o.Name != nil {
			if err := api.CheckLine(at("name"), *o.Name, api.MaxName); err != nil {
				return err
			}
		}
		if m := o.StaffMinutes; m != nil && (*m < 1 || *m > MaxStaffMinutes) {
			return api.FieldErrorf(at("staff_minutes"), "want 1 to %d minutes per file, not %d", MaxStaffMinutes, *m)
		}
		if o.SLA != nil {
			// A year at most: beyond it a promise is no promise.
			limit := 366
			if o.SLA.Kind == doctype.Hours {
				limit = 366 * 24
			}
			if o.SLA.N > limit {
				return api.FieldErrorf(at("sla"), "%d %s is more than a year", o.SLA.N, o.SLA.Kind)
			}
		}
	}
	return nil
}
