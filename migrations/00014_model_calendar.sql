-- +goose Up
-- An SLA may be "N × 24 jam", a plain duration from receipt (doctype
-- Periods24h), beside working hours and calendar or working days.
ALTER TABLE office_doc_types DROP CONSTRAINT office_doc_types_sla_kind_check;
ALTER TABLE office_doc_types ADD CONSTRAINT office_doc_types_sla_kind_check
    CHECK (sla_kind IN ('hours', 'calendar_days', 'working_days', 'periods_24h'));

-- An office's own closed days on top of the national holidays: regional
-- holidays (libur daerah, set by the province or the city) and closures
-- (the office shut for a move, a disaster). Keyed by office first, as every
-- per-office table (Citus). The model closes the office on each, as on a
-- national holiday.
CREATE TABLE office_closures (
    office_code text NOT NULL REFERENCES offices (code) ON DELETE CASCADE,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('daerah', 'tutup')),
    name        text NOT NULL CHECK (name <> ''),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (office_code, day)
);

-- +goose Down
DROP TABLE office_closures;
DELETE FROM office_doc_types WHERE sla_kind = 'periods_24h';
ALTER TABLE office_doc_types DROP CONSTRAINT office_doc_types_sla_kind_check;
ALTER TABLE office_doc_types ADD CONSTRAINT office_doc_types_sla_kind_check
    CHECK (sla_kind IN ('hours', 'calendar_days', 'working_days'));
