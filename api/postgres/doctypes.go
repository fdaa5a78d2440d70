package postgres

import (
	"context"
	"fmt"

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
